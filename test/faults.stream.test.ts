import type { KinesisClient } from '@aws-sdk/client-kinesis'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import type { ObjectStore } from '../consumers/sinks/objectStore.js'
import { createS3ObjectStore } from '../consumers/sinks/s3ObjectStore.js'
import { startStandaloneConsumer } from '../consumers/standaloneConsumer.js'
import { type KinesisBatch, type RetentionGap, createKinesisSource } from '../consumers/sources/kinesisSource.js'
import { createKinesisClient, createS3Client } from '../core/awsClients.js'
import { startLocalStack } from '../local/localStack.js'
import { generateWorkload } from '../producers/generator/generateWorkload.js'
import { putRecords } from '../producers/kinesisWriter.js'
import { expectS3MatchesTruth, withTablesFromS3 } from './helpers/expectGroundTruth.js'
import { Fault, startFaultProxy } from './helpers/faultProxy.js'
import { decodePayload, kinesisStack, listShards, makeRecords, mergeAdjacent, splitInHalf } from './helpers/kinesisTestKit.js'
import { withIteratorExpiry, withTrimmedShards } from './helpers/streamFaults.js'

const quiet = { info() {}, debug() {}, error() {} }

async function readAll(client: KinesisClient, streamName: string, checkpoint: string | undefined, onRetentionGap?: (g: RetentionGap) => void) {
  const warnings: string[] = []
  const source = createKinesisSource({
    client,
    streamName,
    startAt: 'TRIM_HORIZON',
    checkpoints: { get: async () => checkpoint },
    logger: { ...quiet, warn: (_o: unknown, m?: string) => void warnings.push(m ?? '') },
    stopWhenIdle: { idleMs: 300 },
    limits: { idleDelayMs: 20, maxIdleDelayMs: 50 },
    ...(onRetentionGap ? { onRetentionGap } : {}),
  })
  const batches: KinesisBatch[] = []
  for await (const b of source.batches()) batches.push(b)
  return { ns: batches.flatMap((b) => b.records.map((r) => decodePayload(r.data).n)), warnings, status: source.shardStatus() }
}

describe('a shard at the edge of retention: records that expired unread are reported, not hidden', () => {
  it('resuming after a checkpoint that has expired reports the gap and reads everything that is left', async () => {
    const kit = await kinesisStack({ streamName: 'retention', shardCount: 1 })
    try {
      await putRecords(kit.kinesis, 'retention', makeRecords(100, { keys: 1 }))
      const all = await readAll(kit.kinesis, 'retention', undefined)
      expect(all.ns).toEqual(Array.from({ length: 100 }, (_, i) => i))
      const seq = (await (async () => {
        const src = createKinesisSource({ client: kit.kinesis, streamName: 'retention', startAt: 'TRIM_HORIZON', checkpoints: { get: async () => undefined }, stopWhenIdle: { idleMs: 200 } })
        const out: string[] = []
        for await (const b of src.batches()) out.push(...b.records.map((r) => r.sequenceNumber))
        return out
      })())
      const shardId = (await listShards(kit.kinesis, 'retention'))[0]!.ShardId!
      const trimmed = withTrimmedShards(kit.kinesis, new Map([[shardId, seq[60]!]]))

      // Checkpoint at record 29, records 0–59 expired: 30–59 were never read.
      const gaps: RetentionGap[] = []
      const behind = await readAll(trimmed, 'retention', seq[29], (g) => gaps.push(g))
      expect(behind.ns).toEqual(Array.from({ length: 40 }, (_, i) => 60 + i))
      expect(gaps).toEqual([{ shardId, checkpoint: seq[29], oldestAvailable: seq[60], oldestArrivalMs: expect.any(Number) }])
      expect(behind.warnings.some((w) => w.includes('expired past the stream') && w.includes(seq[60]!))).toBe(true)
      expect(behind.status[0]?.retentionGap?.checkpoint).toBe(seq[29])

      // Checkpoint at record 70, still in the stream: nothing lost, nothing reported, no record twice.
      const ahead = await readAll(trimmed, 'retention', seq[70], (g) => gaps.push(g))
      expect(ahead.ns).toEqual(Array.from({ length: 29 }, (_, i) => 71 + i))
      expect(ahead.warnings.filter((w) => w.includes('expired'))).toEqual([])
      // The checkpointed record is the oldest one left: nothing lost either.
      const edge = await readAll(trimmed, 'retention', seq[60], (g) => gaps.push(g))
      expect(edge.ns[0]).toBe(61)
      expect(gaps).toHaveLength(1)
    } finally {
      await kit.close()
    }
  })

  it('the standalone consumer resuming past retention: the gap is reported once per shard, S3 holds no row twice', async () => {
    const stack = await startLocalStack({ streamName: 'retention-e2e', shardCount: 2, bucket: 'retention-bucket' })
    const kinesis = createKinesisClient({}, stack.env)
    const s3 = createS3Client({}, stack.env)
    const objectStore = createS3ObjectStore({ client: s3, bucket: stack.bucket })
    try {
      const { records } = generateWorkload({ jobs: 120, seed: 41, duplicates: 0.05 })
      const half = Math.floor(records.length / 2)
      await putRecords(kinesis, stack.streamName, records.slice(0, half))
      await (await startStandaloneConsumer({ kinesis, streamName: stack.streamName, objectStore, stopWhenIdleMs: 500, logger: { ...quiet, warn() {} } })).done
      await putRecords(kinesis, stack.streamName, records.slice(half))
      // While the consumer was down, retention took every record of the first half and the first 20 of the second, per shard.
      const trim = new Map<string, string>()
      for (const shard of await listShards(kinesis, stack.streamName)) {
        const src = createKinesisSource({ client: kinesis, streamName: stack.streamName, startAt: 'TRIM_HORIZON', checkpoints: { get: async (id) => (id === shard.ShardId ? undefined : 'SHARD_END') }, stopWhenIdle: { idleMs: 200 } })
        const seqs: string[] = []
        for await (const b of src.batches()) seqs.push(...b.records.map((r) => r.sequenceNumber))
        trim.set(shard.ShardId!, seqs[seqs.length - Math.floor(seqs.length / 2) + 20] ?? seqs[seqs.length - 1]!)
      }
      const gaps: RetentionGap[] = []
      const warnings: unknown[] = []
      const second = await startStandaloneConsumer({
        kinesis: withTrimmedShards(kinesis, trim),
        streamName: stack.streamName,
        objectStore,
        stopWhenIdleMs: 500,
        onRetentionGap: (g) => gaps.push(g),
        logger: { ...quiet, warn: (o: unknown) => void warnings.push(o) },
      })
      const result = await second.done
      expect(result.counters.records).toBeGreaterThan(0)
      expect(gaps.map((g) => g.shardId).sort()).toEqual([...trim.keys()].sort())
      for (const g of gaps) expect(g.oldestAvailable).toBe(trim.get(g.shardId))
      expect(warnings.filter((w) => (w as { code?: string }).code === 'E_KINESIS_READ')).toHaveLength(2)
      await withTablesFromS3(s3, stack.bucket, '', async (engine) => {
        const [events] = await engine.query('select count(*) as n, count(distinct event_id) as ids from job_events')
        expect(events?.n).toBe(events?.ids)
      })
    } finally {
      kinesis.destroy()
      s3.destroy()
      await stack.stop()
    }
  })
})

describe('iterator expiry and reshards while consuming', () => {
  it('shard iterators that expire during long pauses are replaced from the last record read: exactly once', async () => {
    const stack = await startLocalStack({ streamName: 'expiry', shardCount: 2, bucket: 'expiry-bucket' })
    const kinesis = createKinesisClient({}, stack.env)
    const s3 = createS3Client({}, stack.env)
    try {
      const workload = generateWorkload({ jobs: 60, seed: 43, duplicates: 0.1, reorder: 0.05, malformed: 0.01 })
      await putRecords(kinesis, stack.streamName, workload.records)
      // Iterators live 400 ms here (5 min on AWS; either way longer than the 200 ms between two GetRecords of a shard).
      // Every S3 write takes 150 ms, so a flush (files, snapshot, checkpoint) pauses reading longer than an iterator lives.
      const s3Store = createS3ObjectStore({ client: s3, bucket: stack.bucket })
      const slowStore: ObjectStore = { ...s3Store, put: async (k, b, t) => (await sleep(150), s3Store.put(k, b, t)) }
      const expiring = withIteratorExpiry(kinesis, 400)
      const consumer = await startStandaloneConsumer({ kinesis: expiring.client, streamName: stack.streamName, objectStore: slowStore, prefix: 'out', stopWhenIdleMs: 600, flushRecords: 100, getRecordsLimit: 50, logger: { ...quiet, warn() {} } })
      await consumer.done
      expect(expiring.expired(), 'iterators expired').toBeGreaterThan(3)
      await expectS3MatchesTruth(s3, stack.bucket, 'out', workload)
    } finally {
      kinesis.destroy()
      s3.destroy()
      await stack.stop()
    }
  })

  it('a split and a merge while consuming through a faulty Kinesis and S3: exactly once, reports equal the truth', async () => {
    const stack = await startLocalStack({ streamName: 'reshard-faults', shardCount: 3, bucket: 'reshard-faults' })
    const kinesisProxy = await startFaultProxy({ target: stack.kinesisEndpoint, service: 'kinesis' })
    const s3Proxy = await startFaultProxy({ target: stack.s3Endpoint, service: 's3' })
    const direct = createKinesisClient({}, stack.env)
    const directS3 = createS3Client({}, stack.env)
    const kinesis = createKinesisClient({ endpoint: kinesisProxy.endpoint, maxAttempts: 1 }, stack.env)
    const s3 = createS3Client({ endpoint: s3Proxy.endpoint, maxAttempts: 1 }, stack.env)
    try {
      const plan = { rates: { [Fault.Error503]: 0.05, [Fault.Throttle]: 0.05, [Fault.DropAfter]: 0.04, [Fault.Truncate]: 0.04 } }
      kinesisProxy.setPlan({ seed: 51, ...plan })
      s3Proxy.setPlan({ seed: 52, ...plan })
      const workload = generateWorkload({ jobs: 200, seed: 45, duplicates: 0.05, malformed: 0.01 })
      const third = Math.floor(workload.records.length / 3)
      await putRecords(direct, stack.streamName, workload.records.slice(0, third))
      const objectStore = createS3ObjectStore({ client: s3, bucket: stack.bucket, retry: { retries: 12, minDelayMs: 5, maxDelayMs: 200 } })
      const consumer = await startStandaloneConsumer({ kinesis, streamName: stack.streamName, objectStore, prefix: 'out', stopWhenIdleMs: 2500, flushRecords: 150, flushIntervalMs: 1000, logger: { ...quiet, warn() {} } })
      await sleep(300)
      const [a, b, c] = await listShards(direct, stack.streamName)
      await splitInHalf(direct, stack.streamName, a!)
      await putRecords(direct, stack.streamName, workload.records.slice(third, 2 * third))
      await mergeAdjacent(direct, stack.streamName, b!, c!)
      await putRecords(direct, stack.streamName, workload.records.slice(2 * third))
      const result = await consumer.done
      expect(result.counters.records).toBe(workload.records.length)
      expect(kinesisProxy.injected(), 'Kinesis faults').toBeGreaterThan(0)
      expect(s3Proxy.injected(), 'S3 faults').toBeGreaterThan(0)
      kinesisProxy.setPlan(undefined)
      s3Proxy.setPlan(undefined)
      await expectS3MatchesTruth(directS3, stack.bucket, 'out', workload)
    } finally {
      for (const c of [kinesis, s3, direct, directS3]) c.destroy()
      await kinesisProxy.stop()
      await s3Proxy.stop()
      await stack.stop()
    }
  })
})
