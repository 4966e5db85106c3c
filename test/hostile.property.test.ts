import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ExactlyOnceCommitter } from '../consumers/checkpoint/exactlyOnceCommitter.js'
import { deaggregate, isKplAggregate } from '../consumers/decode/deaggregate.js'
import { runKinesisConsumer } from '../consumers/kinesisConsumer.js'
import { createKinesisHandler } from '../consumers/lambda/createKinesisHandler.js'
import type { DynamoGauges } from '../consumers/lambda/dynamoGauges.js'
import type { DynamoStateStore } from '../consumers/lambda/dynamoStateStore.js'
import { resolveMetricsConfig } from '../consumers/metrics/metricsConfig.js'
import { JobStateStore } from '../consumers/pipeline/jobStateStore.js'
import { Pipeline } from '../consumers/pipeline/processRecords.js'
import { createDirObjectStore } from '../consumers/sinks/dirObjectStore.js'
import type { ObjectStore } from '../consumers/sinks/objectStore.js'
import { planOutputFiles } from '../consumers/sinks/planOutputFiles.js'
import type { KinesisBatch } from '../consumers/sources/kinesisSource.js'
import { aggregateRecords } from '../producers/kplAggregate.js'
import { parseBatchEvent } from '../producers/model/parseBatchEvent.js'
import { EVENT_T0, encode, jobEvent } from './helpers/eventBuilder.js'
import { kinesisEvent, onShard } from './helpers/lambdaEvents.js'

/**
 * Hostile and broken input, generated: whatever bytes arrive, each record is an event,
 * a known event to skip, or a dead letter with a reason and a field — never an
 * exception out of the pipeline, the consumer loop or the Lambda handler, never a stall.
 */
const SEED = 20_261_130
const runs = (numRuns: number) => ({ seed: SEED, numRuns })
const enc = new TextEncoder()

const valid = jobEvent({ jobId: 'a1b2', status: 'SUCCEEDED', at: 100, createdAt: 0, attempts: [[10, 90, 0]], startedAt: 10, stoppedAt: 90, tags: { team: 'vision' } })

/** Feeds records to a fresh pipeline; checks every record is accounted for exactly once. */
function feed(records: readonly Uint8Array[]) {
  const pipeline = new Pipeline({ store: new JobStateStore(), now: () => EVENT_T0 })
  records.forEach((data, i) => pipeline.processRecord({ data, shardId: 'shardId-0', sequenceNumber: String(i + 1) }))
  const c = pipeline.counters
  expect(c.records).toBe(records.length)
  expect(c.deadLetters + c.skipped + c.stateChanges + c.queueBlocked + c.duplicates).toBe(records.length)
  const out = pipeline.drain()
  for (const d of out.deadLetters) {
    expect(d.reason.length).toBeGreaterThan(0)
    expect(d.field).not.toBeNull()
    expect(Buffer.from(d.dataBase64, 'base64').equals(Buffer.from(records[Number(d.sequence) - 1]!))).toBe(true)
  }
  // Whatever came through must still encode to Parquet and NDJSON.
  planOutputFiles(out, 'p', 'shardId-0-1')
  return { counters: c, out }
}

/** Every path to a field the validator reads, to put a wrong value there. */
const FIELD_PATHS = [
  ['id'], ['time'], ['source'], ['detail-type'], ['detail'], ['account'], ['region'],
  ['detail', 'jobId'], ['detail', 'jobName'], ['detail', 'jobQueue'], ['detail', 'status'], ['detail', 'statusReason'], ['detail', 'jobDefinition'],
  ['detail', 'attempts'], ['detail', 'attempts', '0'], ['detail', 'attempts', '0', 'startedAt'], ['detail', 'attempts', '0', 'stoppedAt'], ['detail', 'attempts', '0', 'container'],
  ['detail', 'createdAt'], ['detail', 'startedAt'], ['detail', 'stoppedAt'], ['detail', 'platformCapabilities'], ['detail', 'tags'], ['detail', 'tags', 'team'],
  ['detail', 'container'], ['detail', 'container', 'resourceRequirements'], ['detail', 'container', 'resourceRequirements', '0'], ['detail', 'container', 'resourceRequirements', '0', 'value'],
  ['detail', 'container', 'vcpus'], ['detail', 'container', 'memory'], ['detail', 'container', 'exitCode'], ['detail', 'arrayProperties'], ['detail', 'arrayProperties', 'size'], ['detail', 'arrayProperties', 'index'],
  ['detail', 'nodeProperties'], ['detail', 'shareIdentifier'], ['detail', 'schedulingPriority'], ['detail', 'eksProperties'], ['detail', 'ecsProperties'],
] as const

function setPath(root: unknown, path: readonly string[], value: unknown): unknown {
  const copy = structuredClone(root) as Record<string, unknown>
  let node: Record<string, unknown> = copy
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {}
    node = node[key] as Record<string, unknown>
  }
  node[path[path.length - 1]!] = value
  return copy
}

describe('the decoder and validator under generated hostile input', () => {
  it('random bytes: never a throw; every record a dead letter with a reason, or skipped', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 2048 }), { maxLength: 20 }), (records) => void feed(records)),
      runs(300),
    )
  })

  it('random JSON values and random UTF-8 text: never a throw', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.jsonValue().map((v) => enc.encode(JSON.stringify(v) ?? 'null')), fc.string({ unit: 'binary' }).map((s) => enc.encode(s))), { maxLength: 20 }), (records) => void feed(records)),
      runs(300),
    )
  })

  it('a wrong type or value in every field: an event or a dead letter naming a field, never a throw', () => {
    const hostileValue = fc.oneof(
      fc.anything({ maxDepth: 3 }),
      fc.constantFrom(null, '', -1, 0, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 'NaN', '1e999', '-5', [], {}, [[[]]], '2026-13-45T99:99:99Z', '\u0000', '../../etc', { __proto__: { polluted: true } }),
    )
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...FIELD_PATHS), hostileValue), { minLength: 1, maxLength: 4 }), (edits) => {
        let event: unknown = valid
        for (const [path, value] of edits) event = setPath(event, path, value)
        const parsed = parseBatchEvent(JSON.parse(JSON.stringify(event)))
        if (parsed.outcome === 'invalid') expect(parsed.field.length).toBeGreaterThan(0)
        const { out } = feed([encode(event)])
        for (const row of out.jobs) for (const c of ['billed_s', 'vcpu_seconds', 'memory_gib_seconds', 'gpu_seconds']) expect(Number.isFinite(row[c]) && (row[c] as number) >= 0, `${c}=${String(row[c])}`).toBe(true)
      }),
      runs(600),
    )
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('numbers that would poison a flush or a sum are dead letters: fractional or out-of-range times and integers, absurd resources', () => {
    const cases: [readonly string[], unknown, string][] = [
      [['detail', 'stoppedAt'], 1.5, 'detail.stoppedAt'],
      [['detail', 'createdAt'], 1e300, 'detail.createdAt'],
      [['detail', 'attempts', '0', 'startedAt'], -5e-324, 'detail.attempts[0].startedAt'],
      [['detail', 'container', 'exitCode'], 2 ** 40, 'detail.container.exitCode'],
      [['detail', 'arrayProperties', 'size'], 2.5, 'detail.arrayProperties.size'],
      [['detail', 'container', 'resourceRequirements'], [{ type: 'VCPU', value: '1e308' }], 'detail.container'],
    ]
    for (const [path, value, field] of cases) {
      const { out } = feed([encode(setPath(valid, path, value))])
      expect(out.deadLetters.map((d) => d.field), `${path.join('.')} = ${String(value)}`).toEqual([field])
    }
  })

  it('truncated records: a dead letter for every cut that breaks the JSON', () => {
    const bytes = encode(valid)
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (cut) => {
        const { counters, out } = feed([bytes.subarray(0, cut)])
        expect(counters.deadLetters).toBe(1)
        expect(out.deadLetters[0]?.field).toBe('(json)')
      }),
      runs(200),
    )
  })

  it('invalid UTF-8 anywhere: a dead letter saying so', () => {
    const bytes = encode(valid)
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length }), fc.constantFrom([0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]), (at, bad) => {
        const data = new Uint8Array([...bytes.subarray(0, at), ...bad, ...bytes.subarray(at)])
        const { out } = feed([data])
        expect(out.deadLetters).toHaveLength(1)
        expect(out.deadLetters[0]?.reason).toMatch(/UTF-8/)
      }),
      runs(200),
    )
  })

  it('oversized records (over 1 MiB), deep nesting and huge arrays: dead letters or events, bounded time', () => {
    const big = enc.encode(JSON.stringify({ ...valid, pad: 'x'.repeat(1024 * 1024) }))
    const deep = enc.encode('['.repeat(500_000) + ']'.repeat(500_000))
    const deepDetail = enc.encode(JSON.stringify(valid).replace('"tags":{"team":"vision"}', `"tags":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`))
    const hugeAttempts = enc.encode(JSON.stringify(setPath(valid, ['detail', 'attempts'], Array.from({ length: 15_000 }, (_, i) => ({ startedAt: EVENT_T0 + i, stoppedAt: EVENT_T0 + i + 1 })))))
    const hugeTags = enc.encode(JSON.stringify(setPath(valid, ['detail', 'tags'], Object.fromEntries(Array.from({ length: 30_000 }, (_, i) => [`k${i}`, 'v'])))))
    expect(hugeAttempts.length).toBeLessThan(1024 * 1024)
    const started = Date.now()
    const { out } = feed([big, deep, deepDetail, hugeAttempts, hugeTags])
    expect(Date.now() - started).toBeLessThan(10_000)
    const reasons = new Map(out.deadLetters.map((d) => [d.sequence, `${d.field}: ${d.reason}`]))
    expect(reasons.get('1')).toMatch(/over the 1 MiB/)
    expect(reasons.get('2')).toMatch(/^\(event\)/)
    expect(reasons.get('3')).toMatch(/^detail\.tags/)
    // A huge attempts list is a valid (if odd) job: its usage adds up, nothing breaks.
    expect(out.jobs.find((j) => j.job_id === 'a1b2')?.billed_s).toBe(15)
    expect(out.deadLetters.map((d) => d.sequence).sort()).toEqual(['1', '2', '3'])
  })

  it('corrupt KPL aggregates (flipped bytes, truncation, garbage after the magic): dead letters, never a throw', async () => {
    const users = Array.from({ length: 12 }, (_, i) => ({ partitionKey: `k${i}`, data: encode(jobEvent({ jobId: `kpl-${i}`, status: 'RUNNABLE', at: i })) }))
    const [aggregate] = await aggregateRecords(users)
    const good = aggregate!.data
    expect(deaggregate({ data: good, sequenceNumber: '1', partitionKey: 'k0', shardId: 's' })).toMatchObject({ ok: true })
    const magic = good.subarray(0, 4)
    const corrupt = fc.oneof(
      fc.tuple(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 1, max: 255 })).map(([at, x]) => good.map((b, i) => (i === at ? b ^ x : b))),
      fc.integer({ min: 0, max: good.length - 1 }).map((cut) => good.subarray(0, cut)),
      fc.uint8Array({ maxLength: 600 }).map((junk) => new Uint8Array([...magic, ...junk])),
      // Garbage with a correct MD5: the protobuf itself is wrong.
      fc.uint8Array({ minLength: 1, maxLength: 600 }).map((body) => new Uint8Array([...magic, ...body, ...createHash('md5').update(body).digest()])),
    )
    fc.assert(
      fc.property(corrupt, (data) => {
        const r = deaggregate({ data, sequenceNumber: '7', partitionKey: 'k', shardId: 's' })
        if (!r.ok) expect(r.reason).toMatch(/KPL/)
        // Through the consumer's own path: a bad aggregate is one dead letter with field (kpl).
        const pipeline = new Pipeline({ store: new JobStateStore(), now: () => EVENT_T0 })
        if (isKplAggregate(data) && !r.ok) pipeline.rejectRecord({ data, shardId: 's', sequenceNumber: '7' }, '(kpl)', r.reason)
        else if (r.ok) for (const u of r.userRecords) pipeline.processRecord({ data: u.data, shardId: 's', sequenceNumber: '7', subSequenceNumber: u.subSequenceNumber })
        planOutputFiles(pipeline.drain(), 'p', 's-7')
      }),
      runs(400),
    )
  })
})

describe('the consumer loop and the Lambda handler on hostile batches: no throw, no stall, every record accounted for', () => {
  const hostileRecord = fc.oneof(
    fc.uint8Array({ maxLength: 512 }),
    fc.jsonValue().map((v) => enc.encode(JSON.stringify(v) ?? 'null')),
    fc.constant(new Uint8Array([0xf3, 0x89, 0x9a, 0xc2, 1, 2, 3])),
    fc.constant(encode(valid)),
  )

  it('the standalone consumer loop finishes every hostile batch and commits it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bm-hostile-'))
    try {
      const samples = fc.sample(fc.array(fc.array(hostileRecord, { minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 8 }), { seed: SEED, numRuns: 25 })
      for (const [n, shardBatches] of samples.entries()) {
        const objectStore = createDirObjectStore(join(dir, String(n)))
        let seq = 0
        const batches: KinesisBatch[] = shardBatches.map((records, i) => ({
          shardId: `shardId-00000000000${i % 2}`,
          records: records.map((data) => ({ data, sequenceNumber: String(++seq), partitionKey: 'k' })),
          shardEnded: false,
        }))
        const source = { batches: async function* () { yield* batches }, stop() {} }
        const committer = new ExactlyOnceCommitter({ objectStore, prefix: '', streamName: 's' })
        const recovered = await committer.recover()
        const progress = await Promise.race([
          runKinesisConsumer({ source, committer, store: recovered.store, flushRecords: 10 }),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the consumer stalled')), 10_000)),
        ])
        const c = progress.counters
        expect(c.records).toBeGreaterThanOrEqual(seq)
        expect(c.deadLetters + c.skipped + c.stateChanges + c.queueBlocked + c.duplicates).toBe(c.records)
        const checkpoint = JSON.parse(Buffer.from((await objectStore.get('_batchmeter/consumer/s/checkpoint.json'))!).toString()) as { positions: Record<string, string> }
        expect(Object.values(checkpoint.positions).map(Number).sort((a, b) => a - b).at(-1)).toBe(seq)
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('the Lambda handler answers every hostile batch with no batch item failure', async () => {
    const files = new Map<string, Uint8Array>()
    const objectStore: ObjectStore = {
      location: 'memory',
      put: async (k, b) => void files.set(k, b),
      get: async (k) => files.get(k),
      delete: async (k) => void files.delete(k),
      async *list() {},
    }
    const state = { loadJobs: async () => new Map(), saveJobs: async () => {}, readChunkFiles: async () => [], writeChunkFiles: async () => {} } as unknown as DynamoStateStore
    const gauges = { registerQueues: async () => {}, claimMinute: async () => null, count: async () => new Map() } as unknown as DynamoGauges
    let emf = 0
    const handler = createKinesisHandler({
      objectStore,
      state,
      gauges,
      metrics: { publish: async () => (emf++, { rejected: [] }) } as never,
      metricsConfig: resolveMetricsConfig(),
      retention: { retainAfterTerminalMs: 3600_000, maxAgeMs: 86_400_000 },
      now: () => EVENT_T0,
    })
    const samples = fc.sample(fc.array(hostileRecord, { minLength: 1, maxLength: 40 }), { seed: SEED, numRuns: 40 })
    for (const records of samples) {
      const shard = await onShard(records.map((data, i) => ({ partitionKey: `k${i}`, data })), { arrivalStartMs: EVENT_T0 })
      const res = await handler(kinesisEvent('shardId-000000000000', shard), { getRemainingTimeInMillis: () => 60_000 })
      expect(res.batchItemFailures).toEqual([])
    }
    expect(emf).toBeGreaterThan(0)
  })
})
