import type { KinesisClient } from '@aws-sdk/client-kinesis'
import { describe, expect, it } from 'vitest'
import { createKinesisSource, type KinesisBatch } from '../consumers/sources/kinesisSource.js'
import { putRecords } from '../producers/kinesisWriter.js'
import { decodePayload, kinesisStack, listShards, makeRecords, mergeAdjacent, splitInHalf } from './helpers/kinesisTestKit.js'

const LIMITS = { idleDelayMs: 20, maxIdleDelayMs: 50, maxGetRecordsPerSecond: 50, relistIntervalMs: 50, limit: 40 }

/**
 * Reads the stream; after the first batch, reshards and writes `after` more records,
 * then reads on until every shard is idle.
 */
async function readAcrossReshard(kinesis: KinesisClient, stream: string, reshard: () => Promise<void>, after: ReturnType<typeof makeRecords>) {
  const source = createKinesisSource({ client: kinesis, streamName: stream, startAt: 'TRIM_HORIZON', checkpoints: { get: async () => undefined }, limits: LIMITS, stopWhenIdle: { idleMs: 400 } })
  const batches: KinesisBatch[] = []
  for await (const batch of source.batches()) {
    batches.push(batch)
    if (batches.length === 1) {
      await reshard()
      await putRecords(kinesis, stream, after)
    }
  }
  return { batches, status: source.shardStatus() }
}

/** Per key: the shard of every delivery, and the per-key indexes in delivery order. */
function byKey(batches: KinesisBatch[]) {
  const shardsOf = new Map<string, string[]>()
  const order = new Map<string, number[]>()
  for (const b of batches) {
    for (const r of b.records) {
      const { key, n } = decodePayload(r.data)
      shardsOf.set(key, [...(shardsOf.get(key) ?? []), b.shardId])
      order.set(key, [...(order.get(key) ?? []), n])
    }
  }
  return { shardsOf, order }
}

/** Every parent delivery of a key comes before its first child delivery. */
function parentsFirst(shardsOf: Map<string, string[]>, parents: Set<string>): boolean {
  return [...shardsOf.values()].every((seq) => {
    const firstChild = seq.findIndex((s) => !parents.has(s))
    return firstChild === -1 || seq.slice(firstChild).every((s) => !parents.has(s))
  })
}

describe('reading across a reshard', () => {
  it('SplitShard while reading: every record once, parent records before child records per key', async () => {
    // Prepare
    const stream = 'split'
    const kit = await kinesisStack({ streamName: stream, shardCount: 2 })
    try {
      await putRecords(kit.kinesis, stream, makeRecords(600, { keys: 30 }))
      const [first] = await listShards(kit.kinesis, stream)

      // Act
      const { batches, status } = await readAcrossReshard(kit.kinesis, stream, () => splitInHalf(kit.kinesis, stream, first!), makeRecords(1200, { keys: 30 }).slice(600))

      // Assess
      const { shardsOf, order } = byKey(batches)
      const all = [...order.values()].flat()
      expect(all).toHaveLength(1200)
      for (const [, ns] of order) expect(ns).toEqual(ns.map((_, i) => i))
      expect(parentsFirst(shardsOf, new Set([first!.ShardId!]))).toBe(true)
      const children = status.filter((s) => s.parentShardIds.includes(first!.ShardId!))
      expect(children).toHaveLength(2)
      expect(children.every((c) => c.records > 0)).toBe(true)
      expect(status.find((s) => s.shardId === first!.ShardId)).toMatchObject({ state: 'ended' })
      expect(batches.filter((b) => b.shardEnded).map((b) => b.shardId)).toEqual([first!.ShardId])
    } finally {
      await kit.close()
    }
  })

  it('MergeShards while reading: the child waits for both parents; every record once, in order', async () => {
    // Prepare
    const stream = 'merge'
    const kit = await kinesisStack({ streamName: stream, shardCount: 2 })
    try {
      await putRecords(kit.kinesis, stream, makeRecords(600, { keys: 30 }))
      const [a, b] = await listShards(kit.kinesis, stream)

      // Act
      const { batches, status } = await readAcrossReshard(kit.kinesis, stream, () => mergeAdjacent(kit.kinesis, stream, a!, b!), makeRecords(1200, { keys: 30 }).slice(600))

      // Assess
      const { shardsOf, order } = byKey(batches)
      expect([...order.values()].flat()).toHaveLength(1200)
      for (const [, ns] of order) expect(ns).toEqual(ns.map((_, i) => i))
      const parents = new Set([a!.ShardId!, b!.ShardId!])
      expect(parentsFirst(shardsOf, parents)).toBe(true)
      // Stronger for a merge: no child record at all before both parents ended.
      const firstChildBatch = batches.findIndex((x) => !parents.has(x.shardId))
      const lastParentBatch = batches.map((x) => parents.has(x.shardId)).lastIndexOf(true)
      expect(firstChildBatch).toBeGreaterThan(lastParentBatch)
      const child = status.find((s) => s.parentShardIds.length === 2)
      expect(child).toMatchObject({ parentShardIds: [a!.ShardId, b!.ShardId], state: 'reading', records: 600 })
    } finally {
      await kit.close()
    }
  })
})
