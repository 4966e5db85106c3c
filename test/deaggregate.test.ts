import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { deaggregate, isKplAggregate } from '../consumers/decode/deaggregate.js'
import { aggregateRecords } from '../producers/kplAggregate.js'

const at = { sequenceNumber: '49000000000000000000000000000000000000000000000000000001', shardId: 'shardId-000000000000' }
const text = (d: Uint8Array) => Buffer.from(d).toString('utf8')

async function oneAggregate(records: { partitionKey: string; data: Uint8Array }[]) {
  const aggs = await aggregateRecords(records)
  expect(aggs).toHaveLength(1)
  return aggs[0]!
}

/** Re-frames a protobuf body with magic bytes and a correct MD5, as a KPL aggregate. */
function frame(body: Uint8Array): Uint8Array {
  return Buffer.concat([Buffer.from([0xf3, 0x89, 0x9a, 0xc2]), body, createHash('md5').update(body).digest()])
}

describe('deaggregate', () => {
  it('passes a plain record through as one user record, bytes untouched', () => {
    const data = new TextEncoder().encode('{"id":"e-1"}')
    const out = deaggregate({ data, partitionKey: 'job-1', ...at })
    expect(out).toEqual({ ok: true, userRecords: [{ data, sequenceNumber: at.sequenceNumber, subSequenceNumber: 0, partitionKey: 'job-1' }] })
    expect(out.ok && out.userRecords[0]!.data).toBe(data)
  })

  it('unpacks a KPL aggregate into its user records, in order, with their own partition keys, as bytes', async () => {
    const inputs = Array.from({ length: 5 }, (_, i) => ({ partitionKey: `job-${i % 2}`, data: new TextEncoder().encode(`{"n":${i},"é":"ü"}`) }))
    const agg = await oneAggregate(inputs)
    expect(isKplAggregate(agg.data)).toBe(true)
    const out = deaggregate({ data: agg.data, partitionKey: agg.partitionKey, ...at })
    if (!out.ok) throw new Error(out.reason)
    expect(out.userRecords.map((u) => [u.partitionKey, u.subSequenceNumber, u.sequenceNumber, text(u.data)])).toEqual(
      inputs.map((r, i) => [r.partitionKey, i, at.sequenceNumber, text(r.data)]),
    )
    expect(out.userRecords.every((u) => u.data instanceof Uint8Array && typeof u.data !== 'string')).toBe(true)
  })

  it('reports a flipped checksum byte as { ok: false } with a reason', async () => {
    const agg = await oneAggregate([{ partitionKey: 'a', data: new TextEncoder().encode('hello') }])
    const corrupt = Uint8Array.from(agg.data)
    corrupt[corrupt.length - 3]! ^= 0xff
    const out = deaggregate({ data: corrupt, partitionKey: 'a', ...at })
    expect(out.ok).toBe(false)
    expect(!out.ok && out.reason).toMatch(/MD5 checksum does not match.*shard shardId-000000000000, sequence 4900/)
  })

  it('reports a truncated protobuf (checksum recomputed) and a too-short frame as { ok: false }', async () => {
    const agg = await oneAggregate([{ partitionKey: 'a', data: new Uint8Array(300).fill(7) }])
    const body = agg.data.subarray(4, agg.data.length - 16)
    const truncated = deaggregate({ data: frame(body.subarray(0, body.length - 40)), partitionKey: 'a', ...at })
    expect(!truncated.ok && truncated.reason).toMatch(/protobuf does not decode/)
    const tooShort = deaggregate({ data: Uint8Array.from([0xf3, 0x89, 0x9a, 0xc2, 1, 2]), partitionKey: 'a', ...at })
    expect(!tooShort.ok && tooShort.reason).toMatch(/too short/)
  })

  it('reports a user record pointing at a missing partition key as { ok: false }', () => {
    // AggregatedRecord { partition_key_table: ["a"], records: [{ partition_key_index: 5, data: "x" }] }
    const body = Uint8Array.from([0x0a, 0x01, 0x61, 0x1a, 0x05, 0x08, 0x05, 0x1a, 0x01, 0x78])
    const out = deaggregate({ data: frame(body), partitionKey: 'a', ...at })
    expect(!out.ok && out.reason).toMatch(/partition key 5 of 1/)
  })

  it('de-aggregates a large batch of aggregates completely (speed is measured in bench/, not here)', async () => {
    const event = new TextEncoder().encode(JSON.stringify({ id: 'x'.repeat(36), source: 'aws.batch', detail: { jobId: 'y'.repeat(36), status: 'RUNNING', pad: 'z'.repeat(500) } }))
    const aggs = await aggregateRecords(Array.from({ length: 20_000 }, (_, i) => ({ partitionKey: `job-${i % 1000}`, data: event })), { maxBytes: 256 * 1024 })
    let users = 0
    for (const a of aggs) {
      const out = deaggregate({ data: a.data, partitionKey: a.partitionKey, ...at })
      if (out.ok) users += out.userRecords.length
    }
    expect(aggs.length).toBeGreaterThan(10)
    expect(users).toBe(20_000)
  })
})
