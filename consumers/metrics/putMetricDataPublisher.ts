import { type CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch'
import { BatchmeterError, ErrorCode } from '../../core/errors.js'
import { type RetryOptions, isRetriable, withRetry } from '../../core/retry.js'
import type { MetricDatum } from './metricSet.js'
import type { MetricsPublisher, PublishResult } from './metricsPublisher.js'
import { planPutMetricData } from './planPutMetricData.js'
import { splitPublishable } from './timestampWindow.js'

export interface PutMetricDataPublisherOptions {
  client: CloudWatchClient
  namespace: string
  /** Backoff for throttles and 5xx. Default: core/retry.ts defaults. */
  retry?: RetryOptions
  /** Requests in flight at once. Default 4. */
  concurrency?: number
  /** Clock for the timestamp window. Default Date.now. */
  now?: () => number
}

/**
 * Publishes metric data with PutMetricData, batched within the API limits, each
 * request retried with backoff. A request that still fails throws, naming the
 * namespace and what to check.
 */
export function createPutMetricDataPublisher(options: PutMetricDataPublisherOptions): MetricsPublisher {
  const { client, namespace, retry, concurrency = 4, now = Date.now } = options
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`)
  return {
    async publish(data: readonly MetricDatum[]): Promise<PublishResult> {
      const { accepted, rejected } = splitPublishable(data, { now: now() })
      const requests = planPutMetricData(accepted)
      let next = 0
      const worker = async (): Promise<void> => {
        while (next < requests.length) {
          const MetricData = requests[next++]!
          await withRetry(() => client.send(new PutMetricDataCommand({ Namespace: namespace, MetricData })), retry).catch((error: unknown) => {
            throw new BatchmeterError(
              ErrorCode.Metrics,
              `PutMetricData of ${MetricData.length} metrics to namespace ${namespace} failed: ${(error as Error).message ?? String(error)}. Check the credentials allow cloudwatch:PutMetricData and the endpoint/region are right.`,
              { cause: error, retriable: isRetriable(error), context: { namespace, datums: MetricData.length } },
            )
          })
        }
      }
      await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, worker))
      return { published: accepted.length, rejected }
    },
  }
}
