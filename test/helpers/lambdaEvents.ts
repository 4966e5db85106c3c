/**
 * Kinesis event source mapping payloads, as Lambda delivers them: base64 `data`,
 * `eventID` = `<shardId>:<sequenceNumber>`, approximate arrival in epoch seconds.
 */
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda'
import { expect } from 'vitest'
import { aggregateRecords } from '../../producers/kplAggregate.js'

export interface ShardRecord {
  partitionKey: string
  data: Uint8Array
  sequenceNumber: string
  /** Epoch ms. */
  arrivalMs: number
}

const REGION = 'us-east-1'
const STREAM_ARN = `arn:aws:kinesis:${REGION}:123456789012:stream/batch-events`
/** A real-looking 56-digit Kinesis sequence number to count up from. */
const SEQUENCE_BASE = 49_654_321_012_345_678_901_234_567_890_123_456_789_012_345_678_901_234n

/**
 * Puts records on a shard: sequence numbers increase (with gaps, as Kinesis leaves
 * them), arrival times one millisecond apart from `arrivalStartMs`. With `kpl`,
 * user records are first packed into KPL aggregates of at most `kplMaxRecords` each.
 */
export async function onShard(
  records: readonly { partitionKey: string; data: Uint8Array }[],
  options: { arrivalStartMs: number; kpl?: boolean; kplMaxRecords?: number; firstIndex?: number },
): Promise<ShardRecord[]> {
  const packed = options.kpl ? await aggregateRecords(records.map((r) => ({ partitionKey: r.partitionKey, data: r.data })), { maxRecords: options.kplMaxRecords ?? 25 }) : records
  const from = options.firstIndex ?? 0
  return packed.map((r, i) => ({
    partitionKey: r.partitionKey,
    data: r.data,
    sequenceNumber: (SEQUENCE_BASE + BigInt(from + i) * 1_000_003n).toString(),
    arrivalMs: options.arrivalStartMs + from + i,
  }))
}

/** The payload of one invocation for `shardId`. */
export function kinesisEvent(shardId: string, records: readonly ShardRecord[]): KinesisStreamEvent {
  return {
    Records: records.map(
      (r): KinesisStreamRecord => ({
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: r.partitionKey,
          sequenceNumber: r.sequenceNumber,
          data: Buffer.from(r.data).toString('base64'),
          approximateArrivalTimestamp: r.arrivalMs / 1000,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `${shardId}:${r.sequenceNumber}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: `arn:aws:iam::123456789012:role/batchmeter-consumer`,
        awsRegion: REGION,
        eventSourceARN: STREAM_ARN,
      }),
    ),
  }
}

/** Consecutive batches of at most `size` records, as the mapping's BatchSize cuts them. */
export function batchesOf<T>(records: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < records.length; i += size) out.push(records.slice(i, i + size))
  return out
}

/** A Lambda context with a fixed amount of time left. */
export const lambdaContext = (remainingMs = 300_000) => ({ getRemainingTimeInMillis: () => remainingMs, awsRequestId: 'test-request' })

/** What `driveEventSourceMapping` saw: invocations, the sequence numbers it retried from, thrown invocations, bisections. */
export interface EsmDriveLog {
  invocations: number
  failures: string[]
  errors: number
  bisections: number
}

export interface EsmDriveOptions {
  /** Invocations of one (sub-)batch before giving up. */
  maxAttempts: number
  /** How deep thrown invocations are bisected; deeper, the batch is retried whole. Default no limit. */
  maxBisectDepth?: number
}

type KinesisHandlerFn = (event: KinesisStreamEvent, context: ReturnType<typeof lambdaContext>) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>

/**
 * Plays the Kinesis event source mapping for one batch of one shard: on returned
 * failures, retry from the lowest reported sequence number; on a thrown invocation,
 * bisect the batch (BisectBatchOnFunctionError). `tick` runs before each invocation.
 */
export async function driveEventSourceMapping(
  handler: KinesisHandlerFn,
  shardId: string,
  batch: readonly ShardRecord[],
  log: EsmDriveLog,
  tick: () => void,
  options: EsmDriveOptions,
  depth = 0,
): Promise<void> {
  let rest = batch
  for (let attempt = 0; attempt < options.maxAttempts; attempt++) {
    tick()
    log.invocations++
    let failures: { itemIdentifier: string }[]
    try {
      failures = (await handler(kinesisEvent(shardId, rest), lambdaContext())).batchItemFailures
    } catch {
      log.errors++
      if (rest.length === 1 || depth >= (options.maxBisectDepth ?? Infinity)) continue
      log.bisections++
      const half = Math.ceil(rest.length / 2)
      await driveEventSourceMapping(handler, shardId, rest.slice(0, half), log, tick, options, depth + 1)
      await driveEventSourceMapping(handler, shardId, rest.slice(half), log, tick, options, depth + 1)
      return
    }
    if (failures.length === 0) return
    const from = failures.map((f) => f.itemIdentifier).sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1))[0]!
    log.failures.push(from)
    const at = rest.findIndex((r) => r.sequenceNumber === from)
    expect(at, `reported failure ${from} is a record of the batch`).toBeGreaterThanOrEqual(0)
    rest = rest.slice(at)
  }
  throw new Error(`a batch of shard ${shardId} never succeeded in ${options.maxAttempts} invocations`)
}
