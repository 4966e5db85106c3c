import type { MetricDatum } from './metricSet.js'
import type { RejectedDatum } from './timestampWindow.js'

export interface PublishResult {
  /** Data published. */
  published: number
  /** Data CloudWatch would not take (too old, too far ahead, not finite), with the reason. */
  rejected: RejectedDatum[]
}

/** Where metric data goes: PutMetricData, EMF lines on stdout, EMF lines in a file. */
export interface MetricsPublisher {
  publish(data: readonly MetricDatum[]): Promise<PublishResult>
  /** Finishes pending writes (files); safe to call twice. */
  close?(): Promise<void>
}
