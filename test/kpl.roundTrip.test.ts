import { describe, expect, it } from 'vitest'
import { deaggregate } from '../consumers/decode/deaggregate.js'
import { isBatchmeterError } from '../core/errors.js'
import { putRecords } from '../producers/kinesisWriter.js'
import { aggregateRecords, KINESIS_MAX_RECORD_BYTES } from '../producers/kplAggregate.js'
import { decodePayload, drain, kinesisStack, listShards, makeRecords } from './helpers/kinesisTestKit.js'

describe('KPL aggregation', () => {
  it('aggregate → put → source → deaggregate gives back exactly the user records (plain and aggregated mixed)', async () => {
    // Prepare
    const stream = 'kpl'
    const kit = await kinesisStack({ streamName: stream, shardCount: 2 })
    try {
      const shards = (await listShards(kit.kinesis, stream)).map((s) => ({ shardId: s.ShardId!, startingHashKey: s.HashKeyRange!.StartingHashKey!, endingHashKey: s.HashKeyRange!.EndingHashKey! }))
      const users = makeRecords(4000, { keys: 50, bigEvery: 1000, bigBytes: 300_000 })
      const aggregated = await aggregateRecords(users.slice(0, 1500), { shards, maxRecords: 200 })
      const plain = users.slice(1500, 2000)
      const aggregatedLater = await aggregateRecords(users.slice(2000), { shards })

      // Act
      await putRecords(kit.kinesis, stream, [...aggregated, ...plain, ...aggregatedLater])
      const batches = await drain({
        client: kit.kinesis,
        streamName: stream,
        startAt: 'TRIM_HORIZON',
        checkpoints: { get: async () => undefined },
        limits: { idleDelayMs: 20, maxIdleDelayMs: 50, maxGetRecordsPerSecond: 50 },
        stopWhenIdle: { idleMs: 300 },
      })
      const back = batches.flatMap((b) =>
        b.records.flatMap((r) => {
          const out = deaggregate({ ...r, shardId: b.shardId })
          if (!out.ok) throw new Error(out.reason)
          return out.userRecords
        }),
      )

      // Assess
      expect(aggregated.length).toBeGreaterThan(2)
      expect(aggregatedLater.length).toBeGreaterThan(1)
      expect(back).toHaveLength(4000)
      const sent = new Map(users.map((u) => [`${decodePayload(u.data).key}#${decodePayload(u.data).n}`, u]))
      const seen = new Set<string>()
      const perKey = new Map<string, number[]>()
      for (const u of back) {
        const { key, n } = decodePayload(u.data)
        const id = `${key}#${n}`
        expect(seen.has(id)).toBe(false)
        seen.add(id)
        expect(u.partitionKey).toBe(sent.get(id)!.partitionKey)
        expect(Buffer.from(u.data).equals(sent.get(id)!.data)).toBe(true)
        perKey.set(key, [...(perKey.get(key) ?? []), n])
      }
      // With shard ranges, each aggregate stays on its keys' shard, so per-key order holds.
      for (const [, ns] of perKey) expect(ns).toEqual(ns.map((_, i) => i))
    } finally {
      await kit.close()
    }
  })

  it('keeps every aggregate within 1 MiB including its partition key, even with multi-byte keys', async () => {
    const key = 'ключ-'.repeat(40) // 200 characters, 360 bytes
    const users = Array.from({ length: 40 }, (_, i) => ({ partitionKey: `${key}${i % 3}`, data: new Uint8Array(100_000 + i) }))
    const aggs = await aggregateRecords(users)
    expect(aggs.length).toBeGreaterThanOrEqual(4)
    for (const a of aggs) expect(a.data.byteLength + Buffer.byteLength(a.partitionKey)).toBeLessThanOrEqual(KINESIS_MAX_RECORD_BYTES)
    const back = aggs.flatMap((a) => {
      const out = deaggregate({ data: a.data, partitionKey: a.partitionKey, sequenceNumber: '1', shardId: 's' })
      return out.ok ? out.userRecords : []
    })
    expect(back.map((u) => [u.partitionKey, u.data.byteLength])).toEqual(users.map((u) => [u.partitionKey, u.data.byteLength]))
  })

  it('rejects a user record that cannot fit in any aggregate, naming it', async () => {
    const error = await aggregateRecords([{ partitionKey: 'ok', data: new Uint8Array(10) }, { partitionKey: 'huge', data: new Uint8Array(KINESIS_MAX_RECORD_BYTES) }]).catch((e: unknown) => e)
    expect(isBatchmeterError(error) && error.code).toBe('E_KINESIS_WRITE')
    expect((error as Error).message).toMatch(/user record 1 \(partition key "huge"\)/)
  })

  it('returns nothing for no records', async () => {
    expect(await aggregateRecords([])).toEqual([])
  })
})
