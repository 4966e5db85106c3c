import type { KinesisStreamEvent } from 'aws-lambda'
import { BatchmeterError, ErrorCode } from '../../core/errors.js'

/** One Kinesis record of an event source mapping batch, decoded. */
export interface LambdaKinesisRecord {
  shardId: string
  sequenceNumber: string
  partitionKey: string
  data: Uint8Array
  /** approximateArrivalTimestamp, epoch ms. */
  arrivalMs: number
}

/** The records of one shard, in order. */
export interface ShardRecords {
  shardId: string
  records: LambdaKinesisRecord[]
}

/** `shardId-000000000001:4954…` → `shardId-000000000001`. */
const shardOf = (eventId: string): string => {
  const i = eventId.lastIndexOf(':')
  return i > 0 ? eventId.slice(0, i) : eventId
}

/**
 * The records of an event source mapping payload: `kinesis.data` is always base64
 * (KPL aggregates included), the shard is the part of `eventID` before the sequence
 * number. A batch holds one shard's records; should it hold several, each keeps its
 * order.
 */
export function recordsOfKinesisEvent(event: KinesisStreamEvent): ShardRecords[] {
  if (!event || !Array.isArray(event.Records)) {
    throw new BatchmeterError(ErrorCode.Usage, 'the event has no Records array: this handler takes Kinesis event source mapping batches (check the function trigger)')
  }
  const shards = new Map<string, ShardRecords>()
  for (const r of event.Records) {
    const k = r.kinesis
    if (!k || typeof k.sequenceNumber !== 'string' || typeof k.data !== 'string' || typeof r.eventID !== 'string') {
      throw new BatchmeterError(ErrorCode.Usage, `a record lacks kinesis.sequenceNumber, kinesis.data or eventID (eventSource ${String(r.eventSource)}): this handler takes Kinesis event source mapping batches`)
    }
    const shardId = shardOf(r.eventID)
    let s = shards.get(shardId)
    if (!s) shards.set(shardId, (s = { shardId, records: [] }))
    s.records.push({
      shardId,
      sequenceNumber: k.sequenceNumber,
      partitionKey: k.partitionKey,
      data: Buffer.from(k.data, 'base64'),
      arrivalMs: Math.round((k.approximateArrivalTimestamp ?? 0) * 1000),
    })
  }
  return [...shards.values()]
}
