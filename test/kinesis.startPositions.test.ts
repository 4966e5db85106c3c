import { describe, expect, it } from 'vitest'
import { createKinesisSource, SHARD_END, type KinesisBatch, type KinesisSource } from '../consumers/sources/kinesisSource.js'
import { putRecords } from '../producers/kinesisWriter.js'
import { deliveries, kinesisStack, listShards, makeRecords, splitInHalf } from './helpers/kinesisTestKit.js'

const LIMITS = { idleDelayMs: 20, maxIdleDelayMs: 50, maxGetRecordsPerSecond: 50, relistIntervalMs: 100 }
const noCheckpoints = { get: async () => undefined }

/** Reads in the background; `ready()` resolves once every open shard has polled empty once. */
function readInBackground(source: KinesisSource) {
  const batches: KinesisBatch[] = []
  const done = (async () => {
    for await (const b of source.batches()) batches.push(b)
  })()
  const ready = async () => {
    for (;;) {
      const status = source.shardStatus()
      if (status.length > 0 && status.every((s) => s.state === 'ended' || s.idleSince !== undefined)) return status
      await new Promise((r) => setTimeout(r, 10))
    }
  }
  return { batches, done, ready }
}

describe('where shards start', () => {
  it('LATEST: closed shards are skipped, open ones start now, shards born later start at their beginning', async () => {
    // Prepare: a stream that was already split, holding old records everywhere.
    const stream = 'latest'
    const kit = await kinesisStack({ streamName: stream, shardCount: 2 })
    try {
      await putRecords(kit.kinesis, stream, makeRecords(100, { prefix: 'old' }))
      const [first] = await listShards(kit.kinesis, stream)
      await splitInHalf(kit.kinesis, stream, first!)
      await putRecords(kit.kinesis, stream, makeRecords(100, { prefix: 'old2-' }))

      // Act
      const source = createKinesisSource({ client: kit.kinesis, streamName: stream, startAt: 'LATEST', checkpoints: noCheckpoints, limits: LIMITS, stopWhenIdle: { idleMs: 400 } })
      const reader = readInBackground(source)
      const atStart = await reader.ready()
      await putRecords(kit.kinesis, stream, makeRecords(60, { prefix: 'new' }))
      const [, , child] = await listShards(kit.kinesis, stream)
      await splitInHalf(kit.kinesis, stream, child!) // born after the start: read from its beginning
      await putRecords(kit.kinesis, stream, makeRecords(120, { prefix: 'new' }).slice(60))
      await reader.done

      // Assess
      expect(atStart.find((s) => s.shardId === first!.ShardId)).toMatchObject({ state: 'ended', records: 0 })
      const { all, perKey } = deliveries(reader.batches)
      expect(all.every((id) => id.startsWith('new'))).toBe(true)
      expect(all).toHaveLength(120)
      for (const [, ns] of perKey) expect(ns).toEqual(ns.map((_, i) => i))
    } finally {
      await kit.close()
    }
  })

  it('a timestamp: only records at or after it, even where kinesalite never answers AT_TIMESTAMP', async () => {
    const stream = 'timestamp'
    const kit = await kinesisStack({ streamName: stream, shardCount: 2 })
    try {
      await putRecords(kit.kinesis, stream, makeRecords(40, { prefix: 'old' }))
      await new Promise((r) => setTimeout(r, 30))
      const timestamp = new Date()
      await new Promise((r) => setTimeout(r, 30))
      await putRecords(kit.kinesis, stream, makeRecords(20, { prefix: 'new', keys: 1 })) // one key: one shard has nothing new

      const batches: KinesisBatch[] = []
      const source = createKinesisSource({
        client: kit.kinesis,
        streamName: stream,
        startAt: { timestamp },
        checkpoints: noCheckpoints,
        limits: { ...LIMITS, atTimestampTimeoutMs: 300 },
        stopWhenIdle: { idleMs: 300 },
      })
      for await (const b of source.batches()) batches.push(b)

      expect(deliveries(batches).all).toEqual(Array.from({ length: 20 }, (_, i) => `new0#${i}`))
    } finally {
      await kit.close()
    }
  })

  it('a SHARD_END checkpoint: the parent is not read again and its children start at their beginning, even under LATEST', async () => {
    const stream = 'shard-end'
    const kit = await kinesisStack({ streamName: stream, shardCount: 1 })
    try {
      await putRecords(kit.kinesis, stream, makeRecords(30, { prefix: 'parent' }))
      const [parent] = await listShards(kit.kinesis, stream)
      await splitInHalf(kit.kinesis, stream, parent!)
      await putRecords(kit.kinesis, stream, makeRecords(30, { prefix: 'child' }))

      const batches: KinesisBatch[] = []
      const source = createKinesisSource({
        client: kit.kinesis,
        streamName: stream,
        startAt: 'LATEST',
        checkpoints: { get: async (shardId) => (shardId === parent!.ShardId ? SHARD_END : undefined) },
        limits: LIMITS,
        stopWhenIdle: { idleMs: 300 },
      })
      for await (const b of source.batches()) batches.push(b)

      const { all } = deliveries(batches)
      expect(all.sort()).toEqual(makeRecords(30, { prefix: 'child' }).map((_, i) => `child${i % 20}#${Math.floor(i / 20)}`).sort())
      expect(source.shardStatus().map((s) => s.state)).toEqual(['ended', 'reading', 'reading'])
    } finally {
      await kit.close()
    }
  })

  it('aborting the signal ends batches() quietly', async () => {
    const stream = 'abort'
    const kit = await kinesisStack({ streamName: stream, shardCount: 2 })
    try {
      await putRecords(kit.kinesis, stream, makeRecords(50))
      const controller = new AbortController()
      const source = createKinesisSource({ client: kit.kinesis, streamName: stream, startAt: 'TRIM_HORIZON', checkpoints: noCheckpoints, limits: { ...LIMITS, limit: 5 }, signal: controller.signal })
      let seen = 0
      for await (const _ of source.batches()) {
        if (++seen === 2) controller.abort()
      }
      expect(seen).toBe(2)
      await source.stop()
    } finally {
      await kit.close()
    }
  })
})
