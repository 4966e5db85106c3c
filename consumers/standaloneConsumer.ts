import type { KinesisClient } from '@aws-sdk/client-kinesis'
import type { Logger } from 'pino'
import { type CommitStep, ExactlyOnceCommitter } from './checkpoint/exactlyOnceCommitter.js'
import { type ConsumerProgress, runKinesisConsumer } from './kinesisConsumer.js'
import type { JobStateStoreOptions } from './pipeline/jobStateStore.js'
import type { ObjectStore } from './sinks/objectStore.js'
import { type RetentionGap, createKinesisSource } from './sources/kinesisSource.js'
import { type FlushMetricsOptions, createFlushMetrics } from './metrics/createFlushMetrics.js'

export interface StandaloneConsumerOptions {
  kinesis: KinesisClient
  streamName: string
  objectStore: ObjectStore
  prefix?: string
  startAt?: 'TRIM_HORIZON' | 'LATEST' | { timestamp: Date }
  /** End once every shard is caught up and idle this long (batch runs, tests, the demo). */
  stopWhenIdleMs?: number
  flushIntervalMs?: number
  flushRecords?: number
  /** Records per GetRecords call (1–10,000). Default 10,000. */
  getRecordsLimit?: number
  storeOptions?: JobStateStoreOptions
  logger?: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>
  onProgress?: (progress: ConsumerProgress) => void
  onStep?: (step: CommitStep, flush: number) => void
  /** Called when a shard resumes past a checkpoint that expired (records may have been lost to retention; also logged). */
  onRetentionGap?: (gap: RetentionGap) => void
  /** Publish CloudWatch metrics after each committed flush (PutMetricData or EMF lines). Default: none. */
  metrics?: Omit<FlushMetricsOptions, 'logger'>
}

export interface StandaloneConsumer {
  /** Resolves after the final flush and checkpoint. */
  done: Promise<ConsumerProgress>
  /** Stops reading; the consumer then flushes and checkpoints. */
  stop(): Promise<void>
}

/**
 * The standalone consumer, wired: recover (remove an unfinished flush, restore the
 * state, resume after the checkpoint) → follow every shard → exactly-once commits.
 */
export async function startStandaloneConsumer(options: StandaloneConsumerOptions): Promise<StandaloneConsumer> {
  const { kinesis, streamName, objectStore, prefix = '', logger } = options
  const committer = new ExactlyOnceCommitter({ objectStore, prefix, streamName, storeOptions: options.storeOptions, logger, onStep: options.onStep })
  const recovered = await committer.recover()
  const source = createKinesisSource({
    client: kinesis,
    streamName,
    startAt: options.startAt ?? 'TRIM_HORIZON',
    checkpoints: { get: async (shardId: string) => recovered.positions[shardId] },
    logger,
    ...(options.getRecordsLimit === undefined ? {} : { limits: { limit: options.getRecordsLimit } }),
    ...(options.stopWhenIdleMs === undefined ? {} : { stopWhenIdle: { idleMs: options.stopWhenIdleMs } }),
    ...(options.onRetentionGap ? { onRetentionGap: options.onRetentionGap } : {}),
  })
  const done = runKinesisConsumer({
    source,
    committer,
    store: recovered.store,
    positions: recovered.positions,
    prefix,
    flushIntervalMs: options.flushIntervalMs,
    flushRecords: options.flushRecords,
    logger,
    onProgress: options.onProgress,
    ...(options.metrics ? { onCommitted: createFlushMetrics({ initialGauges: recovered.store.gaugeLevels(), ...options.metrics, logger }) } : {}),
  })
  return { done, stop: async () => source.stop() }
}
