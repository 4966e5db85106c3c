/**
 * The Lambda path's DynamoDB state table: one item per job (its dedupe/state entry),
 * one per committed chunk (the files it wrote), and one for the gauge publishing
 * claim. One definition of keys, attributes and the table itself, shared by the
 * handler, the tests and the infra.
 */
import type { AttributeValue, CreateTableCommandInput } from '@aws-sdk/client-dynamodb'
import { Gauge, type JobEntry, toStoreSeconds } from '../pipeline/jobStateStore.js'

export const STATE_TABLE = {
  partitionKey: 'pk',
  /** TTL attribute (epoch seconds); enable TTL on it in infra. Readers also treat expired items as absent. */
  ttlAttribute: 'expiresAt',
  gaugeIndex: 'gauge-index',
  gaugeKey: 'gaugeKey',
  gaugeClaimKey: 'meta#gauges',
} as const

/** CreateTable input for the state table (on-demand billing). */
export function stateTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: STATE_TABLE.partitionKey, AttributeType: 'S' },
      { AttributeName: STATE_TABLE.gaugeKey, AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: STATE_TABLE.partitionKey, KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      {
        IndexName: STATE_TABLE.gaugeIndex,
        KeySchema: [
          { AttributeName: STATE_TABLE.gaugeKey, KeyType: 'HASH' },
          { AttributeName: STATE_TABLE.partitionKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [STATE_TABLE.ttlAttribute] },
      },
    ],
  }
}

export const jobKey = (jobId: string): string => `job#${jobId}`
export const filesKey = (shardId: string, firstSequence: string): string => `files#${shardId}#${firstSequence}`

/** `<queue>#RUNNABLE` / `<queue>#RUNNING`: the sparse index key that gauges are counted on. */
export const gaugeKeyOf = (queue: string, gauge: 'RUNNABLE' | 'RUNNING'): string => `${queue}#${gauge}`

/** The job state store's clock origin (its times are seconds since 2020), derived from its own conversion. */
const STORE_EPOCH_S = 2_000_000_000 - toStoreSeconds(2_000_000_000_000)

export interface Retention {
  retainAfterTerminalMs: number
  maxAgeMs: number
}

/** When an entry may be forgotten (epoch seconds): as the in-memory store evicts it. */
export function expiresAtOf(entry: JobEntry, retention: Retention): number {
  return entry.terminalAt > 0
    ? STORE_EPOCH_S + entry.terminalAt + Math.ceil(retention.retainAfterTerminalMs / 1000)
    : STORE_EPOCH_S + entry.firstSeenAt + Math.ceil(retention.maxAgeMs / 1000)
}

/** A job item as stored. */
export interface StoredJob {
  /** The state after the chunk that wrote it. */
  entry: JobEntry
  /** The state before that chunk (absent: the job was new to it). */
  before: JobEntry | undefined
  /** Shard and Kinesis sequence number of that chunk's first record that touched the job. */
  shard: string
  fromSequence: string
  version: number
}

export function encodeJobItem(jobId: string, job: StoredJob, retention: Retention, nowMs: number): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {
    [STATE_TABLE.partitionKey]: { S: jobKey(jobId) },
    entry: { S: JSON.stringify(job.entry) },
    shard: { S: job.shard },
    fromSeq: { S: job.fromSequence },
    version: { N: String(job.version) },
    [STATE_TABLE.ttlAttribute]: { N: String(expiresAtOf(job.entry, retention)) },
    updatedAt: { N: String(nowMs) },
  }
  if (job.before) item.before = { S: JSON.stringify(job.before) }
  if (job.entry.terminalAt === 0 && job.entry.gauge !== Gauge.None) {
    item[STATE_TABLE.gaugeKey] = { S: gaugeKeyOf(job.entry.queue, job.entry.gauge === Gauge.Runnable ? 'RUNNABLE' : 'RUNNING') }
  }
  return item
}

export function decodeJobItem(item: Record<string, AttributeValue>): StoredJob {
  return {
    entry: JSON.parse(item.entry!.S!) as JobEntry,
    before: item.before?.S ? (JSON.parse(item.before.S) as JobEntry) : undefined,
    shard: item.shard!.S!,
    fromSequence: item.fromSeq!.S!,
    version: Number(item.version!.N),
  }
}

/** Kinesis sequence numbers are decimal strings of up to 128 bits: compare as integers. */
export const compareSequence = (a: string, b: string): number => {
  const x = BigInt(a)
  const y = BigInt(b)
  return x < y ? -1 : x > y ? 1 : 0
}

export interface ResolvedJob {
  /** The state to start the chunk from; undefined when the job is new (or its state expired). */
  entry: JobEntry | undefined
  /** The stored version, for the conditional write; undefined when there is no item. */
  version: number | undefined
  /** Whether a previous attempt at these records had already written this job. */
  replayed: boolean
}

/**
 * The state a chunk must start from. When the item was last written from this shard
 * by a chunk whose first touching record is at or after this chunk's first record,
 * an earlier attempt at these very records wrote it (a retried or bisected batch:
 * Lambda only re-delivers records it has not checkpointed), so the chunk starts from
 * the state before that attempt and applies the records again. Expired state counts
 * as absent, as the in-memory store would have evicted it.
 */
export function resolveStoredJob(stored: StoredJob | undefined, shardId: string, chunkFirstSequence: string, retention: Retention, nowMs: number): ResolvedJob {
  if (!stored) return { entry: undefined, version: undefined, replayed: false }
  const replayed = stored.shard === shardId && compareSequence(stored.fromSequence, chunkFirstSequence) >= 0
  const entry = replayed ? stored.before : stored.entry
  const live = entry !== undefined && expiresAtOf(entry, retention) * 1000 > nowMs ? entry : undefined
  return { entry: live, version: stored.version, replayed }
}
