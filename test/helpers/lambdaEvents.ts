/**
 * Kinesis event source mapping payloads, as Lambda delivers them: base64 `data`,
 * `eventID` = `<shardId>:<sequenceNumber>`, approximate arrival in epoch seconds.
 */
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda'
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
