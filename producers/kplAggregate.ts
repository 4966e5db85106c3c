import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import { BatchmeterError, ErrorCode } from '../core/errors.js'

export interface UserRecordInput {
  partitionKey: string
  /** Routes the record by this hash key instead of the partition key's MD5. */
  explicitHashKey?: string
  data: Uint8Array
}

/** One Kinesis record holding many user records (KPL aggregation format). */
export interface AggregatedRecord {
  partitionKey: string
  explicitHashKey?: string
  data: Uint8Array
}

export interface ShardHashRange {
  shardId: string
  /** Decimal strings, as ListShards returns them. */
  startingHashKey: string
  endingHashKey: string
}

export interface AggregateOptions {
  /**
   * Largest Kinesis record to produce, data plus outer partition key, in bytes.
   * Default and maximum 1 MiB (1,048,576), the Kinesis per-record limit.
   */
  maxBytes?: number
  /** Most user records in one aggregate. Default unlimited. */
  maxRecords?: number
  /**
   * The open shards' hash ranges. When given, an aggregate only holds user records
   * that hash to one shard (what the KPL does), so a partition key's records all land
   * on one shard and keep their order. Without it, an aggregate mixes keys and lands
   * on its first record's shard: fine for consumers that do not need per-key order.
   */
  shards?: ShardHashRange[]
}

interface EncodedRecord {
  partitionKey: string
  ExplicitHashKey?: string
  data: Buffer
}
type AggregateFn = (
  records: { partitionKey: string; explicitHashKey?: string; data: Uint8Array }[],
  onEncoded: (encoded: EncodedRecord, done: (err?: Error) => void) => void,
  onDone: () => void,
  onError: (err: Error, data?: unknown) => void,
) => void

const require = createRequire(import.meta.url)
const kinesisAgg = require('aws-kinesis-agg') as { aggregate: AggregateFn }

export const KINESIS_MAX_RECORD_BYTES = 1024 * 1024
/** 4 magic bytes in front, a 16-byte MD5 behind the protobuf message. */
const FRAME_BYTES = 4 + 16

const varintSize = (n: number): number => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5)
const lengthDelimitedSize = (len: number): number => 1 + varintSize(len) + len

/**
 * Packs user records into KPL-format aggregates, in input order, each at most
 * `maxBytes` including its partition key. The packing is planned here (exact
 * protobuf sizes in bytes); each planned group is encoded by aws-kinesis-agg.
 */
export async function aggregateRecords(records: UserRecordInput[], opts: AggregateOptions = {}): Promise<AggregatedRecord[]> {
  const maxBytes = opts.maxBytes ?? KINESIS_MAX_RECORD_BYTES
  if (!(maxBytes > FRAME_BYTES + 16 && maxBytes <= KINESIS_MAX_RECORD_BYTES)) {
    throw new BatchmeterError(ErrorCode.Usage, `aggregate maxBytes is ${maxBytes}; use a value from 64 to ${KINESIS_MAX_RECORD_BYTES}`)
  }
  const maxRecords = opts.maxRecords ?? Number.POSITIVE_INFINITY
  const ranges = opts.shards?.map((s) => ({ shardId: s.shardId, start: BigInt(s.startingHashKey), end: BigInt(s.endingHashKey) }))
  const shardOf = (r: UserRecordInput): string => {
    if (!ranges) return ''
    const hash = r.explicitHashKey !== undefined ? BigInt(r.explicitHashKey) : BigInt('0x' + createHash('md5').update(r.partitionKey, 'utf8').digest('hex'))
    return ranges.find((s) => hash >= s.start && hash <= s.end)?.shardId ?? ''
  }

  // One open group per shard (a single one without shard ranges), flushed when full.
  const open = new Map<string, Group>()
  const groups: Group[] = []
  records.forEach((record, index) => {
    const key = shardOf(record)
    let group = open.get(key)
    const size = group?.sizeWith(record)
    if (group === undefined || size === undefined || size > maxBytes || group.records.length >= maxRecords) {
      group = new Group(index)
      open.set(key, group)
      groups.push(group)
      const alone = group.sizeWith(record)
      if (alone > maxBytes) {
        throw new BatchmeterError(
          ErrorCode.KinesisWrite,
          `user record ${index} (partition key "${record.partitionKey}") needs ${alone} bytes aggregated, over the ${maxBytes}-byte limit; split its payload or send it unaggregated`,
          { context: { index, partitionKey: record.partitionKey, bytes: alone } },
        )
      }
    }
    group.add(record)
  })
  // Groups were opened in input order of their first record; emit them that way.
  const encoded = await Promise.all(groups.map((g) => encodeGroup(g.records)))
  return encoded.flat()
}

/** Tracks the exact encoded size of an aggregate as records join it. */
class Group {
  readonly records: UserRecordInput[] = []
  private readonly keys = new Map<string, number>()
  private readonly hashKeys = new Map<string, number>()
  private protoBytes = 0
  private firstKeyBytes = 0

  constructor(readonly firstIndex: number) {}

  /** Bytes of the Kinesis record (data + outer partition key) if `r` joined. */
  sizeWith(r: UserRecordInput): number {
    return this.protoBytes + this.recordCost(r) + FRAME_BYTES + (this.records.length === 0 ? Buffer.byteLength(r.partitionKey, 'utf8') : this.firstKeyBytes)
  }

  add(r: UserRecordInput): void {
    this.protoBytes += this.recordCost(r)
    if (this.records.length === 0) this.firstKeyBytes = Buffer.byteLength(r.partitionKey, 'utf8')
    if (!this.keys.has(r.partitionKey)) this.keys.set(r.partitionKey, this.keys.size)
    if (r.explicitHashKey !== undefined && !this.hashKeys.has(r.explicitHashKey)) this.hashKeys.set(r.explicitHashKey, this.hashKeys.size)
    this.records.push(r)
  }

  private recordCost(r: UserRecordInput): number {
    let cost = 0
    const keyIndex = this.keys.get(r.partitionKey)
    if (keyIndex === undefined) cost += lengthDelimitedSize(Buffer.byteLength(r.partitionKey, 'utf8'))
    let inner = 1 + varintSize(keyIndex ?? this.keys.size)
    if (r.explicitHashKey !== undefined) {
      const hashIndex = this.hashKeys.get(r.explicitHashKey)
      if (hashIndex === undefined) cost += lengthDelimitedSize(Buffer.byteLength(r.explicitHashKey, 'utf8'))
      inner += 1 + varintSize(hashIndex ?? this.hashKeys.size)
    }
    inner += lengthDelimitedSize(r.data.byteLength)
    return cost + lengthDelimitedSize(inner)
  }
}

/**
 * aws-kinesis-agg's callback API as a promise. One planned group normally gives one
 * aggregate; the library's own size estimate is a little coarser than ours, so it may
 * split a group that is right at the limit, and every piece then still fits.
 */
function encodeGroup(records: UserRecordInput[]): Promise<AggregatedRecord[]> {
  return new Promise((resolve, reject) => {
    const out: AggregatedRecord[] = []
    const input = records.map((r) => ({
      partitionKey: r.partitionKey,
      ...(r.explicitHashKey === undefined ? {} : { explicitHashKey: r.explicitHashKey }),
      data: r.data,
    }))
    kinesisAgg.aggregate(
      input,
      (encoded, done) => {
        out.push({
          partitionKey: encoded.partitionKey,
          ...(encoded.ExplicitHashKey === undefined ? {} : { explicitHashKey: encoded.ExplicitHashKey }),
          data: new Uint8Array(encoded.data.buffer, encoded.data.byteOffset, encoded.data.byteLength),
        })
        done()
      },
      () => resolve(out),
      (err) => reject(new BatchmeterError(ErrorCode.KinesisWrite, `KPL aggregation failed: ${err.message}`, { cause: err })),
    )
  })
}
