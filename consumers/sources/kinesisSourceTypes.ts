/** The public types of the Kinesis source and the SHARD_END checkpoint value; `kinesisSource.ts` re-exports them. */
import type { KinesisClient } from '@aws-sdk/client-kinesis'
import type { Logger } from 'pino'
import type { KinesisSourceLimits } from './sourceLimits.js'

export type StartPosition = 'TRIM_HORIZON' | 'LATEST' | { timestamp: Date }

/** A checkpoint value meaning "this closed shard was read to its end": it is not read again. */
export const SHARD_END = 'SHARD_END'

export interface KinesisSourceRecord {
  data: Uint8Array
  sequenceNumber: string
  partitionKey: string
  /** Epoch milliseconds. */
  approximateArrivalTimestamp?: number
}

export interface KinesisBatch {
  shardId: string
  records: KinesisSourceRecord[]
  millisBehindLatest?: number
  /** The shard is closed and this was its last batch (possibly empty): checkpoint SHARD_END. */
  shardEnded: boolean
}

/**
 * A shard resumed from a checkpoint whose record is no longer in the stream: records
 * written after the checkpoint and before `oldestAvailable` (if there were any) expired
 * past the stream's retention before they were read. Kinesis does not say how many.
 */
export interface RetentionGap {
  shardId: string
  /** The checkpointed sequence number (already processed). */
  checkpoint: string
  /** The oldest record still in the shard, where reading resumes. */
  oldestAvailable: string
  /** Its ApproximateArrivalTimestamp (epoch ms), when Kinesis gave one. */
  oldestArrivalMs?: number
}

export interface KinesisSourceOptions {
  client: Pick<KinesisClient, 'send'>
  streamName: string
  /** Where shards without a checkpoint start. Shards born after the source started always start at TRIM_HORIZON. */
  startAt: StartPosition
  /** Last processed sequence number per shard (or SHARD_END); reading resumes after it. */
  checkpoints: { get(shardId: string): Promise<string | undefined> }
  logger?: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>
  /** Time source for rate limits and idleness. Default `Date.now`. */
  clock?: { now(): number }
  /** Aborting it is the same as `stop()`. */
  signal?: AbortSignal
  limits?: KinesisSourceLimits
  /** End `batches()` once every open shard returned no records, 0 ms behind, for `idleMs`. */
  stopWhenIdle?: { idleMs: number }
  /** Called when a resumed shard's checkpoint is past retention (also logged as a warning and kept in `shardStatus()`). */
  onRetentionGap?: (gap: RetentionGap) => void
}

export interface ShardStatus {
  shardId: string
  state: 'waiting' | 'reading' | 'ended'
  parentShardIds: string[]
  /** Records and batches handed to the consumer. */
  records: number
  batches: number
  /** Last sequence number read from the shard. */
  lastSequenceNumber?: string
  millisBehindLatest?: number
  /** Since when (epoch ms) the shard has returned nothing, if it is idle. */
  idleSince?: number
  /** Set when records after the checkpoint may have expired before they were read. */
  retentionGap?: RetentionGap
}

export interface KinesisSource {
  /** Batches of every shard; one shard's in order, parents' before their children's. Call once. */
  batches(): AsyncIterable<KinesisBatch>
  /** Ends `batches()` after the batch being processed; resolves once every reader has stopped. Idempotent. */
  stop(): Promise<void>
  shardStatus(): ShardStatus[]
}
