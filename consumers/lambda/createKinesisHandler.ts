import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda'
import type { Logger } from 'pino'
import type { PriceTable } from '../../core/priceTable.js'
import { minuteOf } from '../pipeline/queueMinutes.js'
import { gaugeMetrics } from '../metrics/gaugeLevels.js'
import { healthMetrics } from '../metrics/healthMetrics.js'
import type { MetricsConfig } from '../metrics/metricsConfig.js'
import { metricsFromOutput } from '../metrics/metricsFromOutput.js'
import type { MetricsPublisher } from '../metrics/metricsPublisher.js'
import type { ObjectStore } from '../sinks/objectStore.js'
import { type ChunkStep, commitChunk } from './commitChunk.js'
import type { DynamoGauges } from './dynamoGauges.js'
import type { DynamoStateStore } from './dynamoStateStore.js'
import { type LambdaKinesisRecord, recordsOfKinesisEvent } from './kinesisEventRecords.js'
import type { Retention } from './stateTable.js'

export interface KinesisHandlerOptions {
  objectStore: ObjectStore
  state: DynamoStateStore
  gauges: DynamoGauges
  /** EMF lines to stdout in Lambda. */
  metrics: MetricsPublisher
  metricsConfig: MetricsConfig
  prices?: PriceTable
  prefix?: string
  retention: Retention
  /** Kinesis records committed together (one set of files, one state write). Default: the whole batch. */
  maxRecordsPerCommit?: number
  /**
   * Start no further chunk when less than this much time is left (ms); the rest is
   * reported for retry. The first chunk of an invocation always runs, so a short
   * function timeout slows the shard down but never stalls it. Default 10_000.
   */
  deadlineReserveMs?: number
  now?: () => number
  logger?: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>
  /** Test hook after each commit step. A throw here ends the invocation with that error, as a crash or timeout would. */
  onStep?: (step: ChunkStep, chunk: { shardId: string; firstSequence: string }) => void | Promise<void>
}

/** What the handler needs of the Lambda context. */
export interface HandlerContext {
  getRemainingTimeInMillis(): number
  awsRequestId?: string
}

export type KinesisHandler = (event: KinesisStreamEvent, context?: HandlerContext) => Promise<KinesisStreamBatchResponse>

/** An error from the test hook: passed through so the invocation fails like a crash. */
class InvocationAborted {
  constructor(readonly cause: unknown) {}
}

/**
 * The handler for a Kinesis event source mapping (with ReportBatchItemFailures on).
 * Records are committed in order, chunk by chunk (commitChunk); when a chunk cannot
 * be committed, or time runs short, the handler returns the sequence number of its
 * first record as the one batch item failure, and Lambda retries from there. A record
 * that does not decode or validate is a dead letter, never a failure. Metrics are
 * printed as EMF after each chunk's state is written; the gauges once per minute.
 */
export function createKinesisHandler(options: KinesisHandlerOptions): KinesisHandler {
  const { objectStore, state, gauges, metrics, metricsConfig, prices, prefix = '', retention, deadlineReserveMs = 10_000, now = Date.now, logger, onStep } = options
  const maxRecords = options.maxRecordsPerCommit ?? Infinity
  if (!(maxRecords >= 1)) throw new RangeError(`maxRecordsPerCommit must be ≥ 1, got ${maxRecords}`)
  // Container-lifetime caches: they only save DynamoDB calls.
  const knownQueues = new Set<string>()
  let lastGaugeMinute = -Infinity

  const step = async (s: ChunkStep, chunk: { shardId: string; firstSequence: string }): Promise<void> => {
    try {
      await onStep?.(s, chunk)
    } catch (error) {
      throw new InvocationAborted(error)
    }
  }

  const publishGauges = async (newQueues: string[]): Promise<void> => {
    const at = now()
    const minute = minuteOf(at)
    if (minute <= lastGaugeMinute) {
      if (newQueues.length > 0) await gauges.registerQueues(newQueues)
    } else {
      lastGaugeMinute = minute
      const queues = await gauges.claimMinute(minute, newQueues)
      if (queues === null) {
        if (newQueues.length > 0) await gauges.registerQueues(newQueues)
      } else {
        for (const q of queues) knownQueues.add(q)
        await metrics.publish(gaugeMetrics(await gauges.count(queues, at), minute, metricsConfig))
      }
    }
    for (const q of newQueues) knownQueues.add(q)
  }

  return async (event, context) => {
    const failures: { itemIdentifier: string }[] = []
    const seenQueues = new Set<string>()
    let committed = 0
    for (const { shardId, records } of recordsOfKinesisEvent(event)) {
      for (let i = 0; i < records.length; i += maxRecords) {
        const chunk: LambdaKinesisRecord[] = records.slice(i, i + maxRecords)
        const first = chunk[0]!.sequenceNumber
        if (committed > 0 && context && context.getRemainingTimeInMillis() < deadlineReserveMs) {
          logger?.warn({ shardId, from: first, records: records.length - i }, 'time is short: leaving the rest of the batch for Lambda to retry')
          failures.push({ itemIdentifier: first })
          break
        }
        try {
          const r = await commitChunk(chunk, { objectStore, state, prefix, retention, now, step })
          const at = now()
          const last = chunk[chunk.length - 1]!
          const { rejected } = await metrics.publish([
            ...metricsFromOutput(r.output, { config: metricsConfig, prices }),
            ...healthMetrics({ records: r.counters.records, duplicates: r.counters.duplicates, deadLetters: r.counters.deadLetters, iteratorAgeMs: at - last.arrivalMs }, at, metricsConfig),
          ])
          if (rejected.length > 0) logger?.warn({ rejected: rejected.length, reason: rejected[0]!.reason }, 'some metric values are outside what CloudWatch accepts and were not published')
          for (const q of r.queues) seenQueues.add(q)
          committed++
          logger?.debug({ shardId, from: first, records: chunk.length, files: r.files, jobsWritten: r.jobsWritten, replayedJobs: r.replayedJobs }, 'chunk committed')
        } catch (error) {
          if (error instanceof InvocationAborted) throw error.cause
          logger?.error({ err: error, shardId, from: first }, 'could not commit records; Lambda retries them from this sequence number')
          failures.push({ itemIdentifier: first })
          break
        }
      }
    }
    try {
      await publishGauges([...seenQueues].filter((q) => !knownQueues.has(q)))
    } catch (error) {
      logger?.warn({ err: error }, 'gauge metrics were not published this minute; the data is safe')
    }
    return { batchItemFailures: failures }
  }
}
