import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { S3Client } from '@aws-sdk/client-s3'
import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ChunkStep } from '../consumers/lambda/commitChunk.js'
import { type KinesisHandlerOptions, createKinesisHandler } from '../consumers/lambda/createKinesisHandler.js'
import { createDynamoGauges } from '../consumers/lambda/dynamoGauges.js'
import { createDynamoStateStore } from '../consumers/lambda/dynamoStateStore.js'
import { stateTableDefinition } from '../consumers/lambda/stateTable.js'
import { createEmfPublisher } from '../consumers/metrics/emfPublisher.js'
import { resolveMetricsConfig } from '../consumers/metrics/metricsConfig.js'
import { validateEmfDocument } from '../consumers/metrics/validateEmfDocument.js'
import type { ObjectStore } from '../consumers/sinks/objectStore.js'
import { createS3ObjectStore } from '../consumers/sinks/s3ObjectStore.js'
import { createDynamoDbClient, createS3Client } from '../core/awsClients.js'
import { startLocalStack, type LocalStack } from '../local/localStack.js'
import { generateWorkload, type Workload } from '../producers/generator/generateWorkload.js'
import { createLocalEngine } from '../queries/localEngine.js'
import { syncFromS3 } from '../queries/syncFromS3.js'
import { emfTotals, seriesKey } from './helpers/emfTotals.js'
import { type EsmDriveLog, type ShardRecord, batchesOf, driveEventSourceMapping, kinesisEvent, lambdaContext, onShard } from './helpers/lambdaEvents.js'

const START = Date.UTC(2026, 10, 25)
const RETENTION = { retainAfterTerminalMs: 48 * 3600_000, maxAgeMs: 14 * 86_400_000 }
const SHARD_A = 'shardId-000000000000'
const SHARD_B = 'shardId-000000000001'

let stack: LocalStack
let s3: S3Client
let dynamo: DynamoDBClient
let tables = 0

beforeAll(async () => {
  stack = await startLocalStack({ dynamo: true, shardCount: 1, bucket: 'lambda-bucket', streamName: 'unused' })
  s3 = createS3Client({}, stack.env)
  dynamo = createDynamoDbClient({}, stack.env)
})
afterAll(async () => {
  s3?.destroy()
  dynamo?.destroy()
  await stack?.stop()
})

/** A fresh state table and key prefix, and a handler on them whose EMF lines land in `lines`. */
async function setup(overrides: Partial<KinesisHandlerOptions> & { wrapStore?: (s: ObjectStore) => ObjectStore; wrapState?: (s: KinesisHandlerOptions['state']) => KinesisHandlerOptions['state'] } = {}) {
  const tableName = `state-${++tables}`
  const prefix = `run-${tables}`
  await dynamo.send(new CreateTableCommand(stateTableDefinition(tableName)))
  const clock = { now: START + 2 * 86_400_000 }
  const now = () => clock.now
  const lines: string[] = []
  const config = resolveMetricsConfig()
  const objectStore = createS3ObjectStore({ client: s3, bucket: stack.bucket })
  const state = createDynamoStateStore({ client: dynamo, tableName, retention: RETENTION })
  const gauges = createDynamoGauges({ client: dynamo, tableName })
  const { wrapStore, wrapState, ...rest } = overrides
  const handler = createKinesisHandler({
    objectStore: wrapStore ? wrapStore(objectStore) : objectStore,
    state: wrapState ? wrapState(state) : state,
    gauges,
    metrics: createEmfPublisher({ namespace: 'Batchmeter', now, write: (text) => void lines.push(...text.split('\n').filter((l) => l !== '')) }),
    metricsConfig: config,
    prefix,
    retention: RETENTION,
    now,
    ...rest,
  })
  return { handler, lines, clock, prefix, gauges }
}

/** The workload split over two shards by partition key (the job id), shard B KPL-aggregated, plus one corrupt aggregate. */
async function twoShards(workload: Workload): Promise<{ a: ShardRecord[]; b: ShardRecord[] }> {
  const onB = (key: string) => createHash('md5').update(key).digest()[0]! % 2 === 1
  const a = await onShard(workload.records.filter((r) => !onB(r.partitionKey)), { arrivalStartMs: START })
  const b = await onShard(workload.records.filter((r) => onB(r.partitionKey)), { arrivalStartMs: START, kpl: true, kplMaxRecords: 7 })
  // A truncated KPL aggregate in the middle of shard B: one dead letter, never a failure.
  const corrupt = b[Math.floor(b.length / 2)]!
  b.splice(Math.floor(b.length / 2), 0, { ...corrupt, data: corrupt.data.subarray(0, corrupt.data.length - 5), sequenceNumber: (BigInt(corrupt.sequenceNumber) - 1n).toString() })
  return { a, b }
}

type Handler = ReturnType<typeof createKinesisHandler>
const ESM = { maxAttempts: 5 }
const drive = (handler: Handler, shardId: string, batch: ShardRecord[], log: EsmDriveLog, tick: () => void) => driveEventSourceMapping(handler, shardId, batch, log, tick, ESM)

/** Both shards, batch by batch, interleaved; the clock moves a minute per invocation. */
async function runAll(handler: Handler, shards: { a: ShardRecord[]; b: ShardRecord[] }, clock: { now: number }, batchSize: number, afterBatch?: (i: number, batches: number) => Promise<void>) {
  const log: EsmDriveLog = { invocations: 0, failures: [], errors: 0, bisections: 0 }
  const tick = () => void (clock.now += 61_000)
  const a = batchesOf(shards.a, batchSize)
  const b = batchesOf(shards.b, batchSize)
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i]) await drive(handler, SHARD_A, a[i]!, log, tick)
    if (b[i]) await drive(handler, SHARD_B, b[i]!, log, tick)
    await afterBatch?.(i, Math.max(a.length, b.length))
  }
  return log
}

async function readBack(prefix: string, query: (engine: Awaited<ReturnType<typeof createLocalEngine>>) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'bm-lambda-'))
  try {
    await syncFromS3({ client: s3, bucket: stack.bucket, prefix: `${prefix}/`, dir })
    const engine = await createLocalEngine({ dataDir: dir })
    try {
      await query(engine)
    } finally {
      await engine.close()
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** Files exactly once: every unique event, job and dead letter once, per-queue sums equal to the truth. */
async function expectFilesMatchTruth(prefix: string, workload: Workload, extraDeadLetters: number) {
  const { truth } = workload
  await readBack(prefix, async (engine) => {
    const [events] = await engine.query('select count(*) as n, count(distinct event_id) as ids from job_events')
    expect(events).toEqual({ n: truth.uniqueEvents, ids: truth.uniqueEvents })
    const [jobs] = await engine.query('select count(*) as n, count(distinct job_id) as ids from jobs')
    expect(jobs).toEqual({ n: truth.jobRows, ids: truth.jobRows })
    const perQueue = await engine.query(
      `select job_queue, count(*) as jobs, sum(case when status = 'SUCCEEDED' then 1 else 0 end) as succeeded, sum(vcpu_seconds) as vcpu
       from jobs where not is_array_parent group by job_queue order by job_queue`,
    )
    const expected = Object.entries(truth.queues).filter(([, q]) => q.jobs > 0).sort(([x], [y]) => x.localeCompare(y))
    expect(perQueue.map((r) => [r.job_queue, r.jobs, r.succeeded])).toEqual(expected.map(([q, t]) => [q, t.jobs, t.succeeded]))
    perQueue.forEach((r, i) => expect(r.vcpu as number).toBeCloseTo(expected[i]![1].vcpuSeconds, 3))
    const minutes = await engine.query('select job_queue, sum(jobs_finished) as finished, sum(runnable_delta) as runnable, sum(running_delta) as running from queue_minutes group by job_queue order by job_queue')
    expect(minutes.map((r) => [r.job_queue, r.finished, r.runnable, r.running])).toEqual(expected.map(([q, t]) => [q, t.jobs, 0, 0]))
    const [dead] = await engine.query('select count(*) as n, count(distinct shard || \':\' || sequence || \':\' || coalesce(cast(sub_sequence as varchar), \'\')) as distinct_positions from dead_letters')
    expect(dead).toEqual({ n: truth.malformed + extraDeadLetters, distinct_positions: truth.malformed + extraDeadLetters })
  })
}

/** The EMF lines are valid and count every job, record and dead letter once. */
function expectMetricsMatchTruth(lines: string[], workload: Workload, now: number, extraDeadLetters: number, extraRecords: number) {
  const { truth } = workload
  expect(lines.flatMap((l) => validateEmfDocument(l, now))).toEqual([])
  const totals = emfTotals(lines)
  for (const [queue, t] of Object.entries(truth.queues)) {
    if (t.jobs === 0) continue
    expect(totals.get(seriesKey('JobsSucceeded', { JobQueue: queue }))?.sum, queue).toBe(t.succeeded)
    expect(totals.get(seriesKey('JobsFailed', { JobQueue: queue }))?.sum ?? 0, queue).toBe(t.failed)
    expect(totals.get(seriesKey('WaitTime', { JobQueue: queue }))?.count ?? 0, queue).toBe(t.waitCount)
    expect(totals.get(seriesKey('VcpuSeconds', { JobQueue: queue }))?.sum ?? 0).toBeCloseTo(t.vcpuSeconds, 3)
  }
  const health = (name: string) => totals.get(seriesKey(name, { Pipeline: 'batchmeter' }))
  expect(health('RecordsIn')?.sum).toBe(truth.records + extraRecords)
  expect(health('DeadLetters')?.sum).toBe(truth.malformed + extraDeadLetters)
  expect(health('DuplicatesDropped')?.sum).toBe(truth.duplicatesSameId + truth.duplicatesNewId)
  expect(health('IteratorAgeMs')?.count).toBeGreaterThan(0)
}

describe('Lambda handler for the Kinesis event source mapping (s3rver + dynalite)', () => {
  it('plain and KPL batches: files, dead letters, metrics and gauges equal the ground truth; no failures', async () => {
    const workload = generateWorkload({ jobs: 150, seed: 21, start: START, durationHours: 12, duplicates: 0.1, reorder: 0.05, malformed: 0.02 })
    const shards = await twoShards(workload)
    const { handler, lines, clock, prefix, gauges } = await setup()
    let midpointChecked = false
    const log = await runAll(handler, shards, clock, 60, async (i, batches) => {
      if (i !== Math.floor(batches / 2)) return
      // Mid-run, the gauges just published equal the levels the committed rows add up to.
      const lastGauge = new Map<string, number>()
      for (const l of lines) {
        const d = JSON.parse(l) as Record<string, unknown> & { _aws: { Timestamp: number } }
        if (typeof d.RunnableJobs === 'number') lastGauge.set(`${String(d.JobQueue)}|${d._aws.Timestamp}`, d.RunnableJobs)
      }
      const latest = Math.max(...[...lastGauge.keys()].map((k) => Number(k.split('|')[1])))
      await readBack(prefix, async (engine) => {
        const rows = await engine.query('select job_queue, sum(runnable_delta) as runnable from queue_minutes group by job_queue')
        expect(rows.length).toBeGreaterThan(0)
        for (const r of rows) expect(lastGauge.get(`${String(r.job_queue)}|${latest}`), String(r.job_queue)).toBe(r.runnable)
        expect(rows.some((r) => (r.runnable as number) > 0)).toBe(true)
      })
      midpointChecked = true
    })
    expect(midpointChecked).toBe(true)
    expect(log).toEqual({ invocations: log.invocations, failures: [], errors: 0, bisections: 0 })
    await expectFilesMatchTruth(prefix, workload, 1)
    expectMetricsMatchTruth(lines, workload, clock.now, 1, 1)
    // Every job ended: the gauges, counted from the state table, are back to zero.
    const levels = await gauges.count(Object.keys(workload.truth.queues), clock.now)
    expect([...levels.values()].every((l) => l.runnable === 0 && l.running === 0)).toBe(true)
  })

  it('a retried batch (an S3 write fails, then a state write fails half-way) loses and duplicates nothing', async () => {
    const workload = generateWorkload({ jobs: 100, seed: 22, start: START, durationHours: 12, duplicates: 0.05, malformed: 0.01 })
    const shards = await twoShards(workload)
    let puts = 0
    let saves = 0
    const { handler, lines, clock, prefix } = await setup({
      wrapStore: (s) => ({
        ...s,
        put: async (key, body, type) => {
          if (++puts === 9) throw Object.assign(new Error('injected: S3 is down'), { $metadata: { httpStatusCode: 403 } })
          return s.put(key, body, type)
        },
      }),
      wrapState: (s) => ({
        ...s,
        saveJobs: async (writes, now) => {
          if (++saves !== 5) return s.saveJobs(writes, now)
          // Half the jobs' state lands, then the call fails: the retry must not lose their rows.
          await s.saveJobs(writes.slice(0, Math.ceil(writes.length / 2)), now)
          throw new Error('injected: DynamoDB went away mid-batch')
        },
      }),
    })
    const log = await runAll(handler, shards, clock, 80)
    expect(log.failures).toHaveLength(2)
    expect(log.errors).toBe(0)
    await expectFilesMatchTruth(prefix, workload, 1)
    expectMetricsMatchTruth(lines, workload, clock.now, 1, 1)
  })

  it('a bisected batch (the invocation dies after writing files and state) ends with every row exactly once', async () => {
    // Events across midnight, so the batch that dies writes files for two dates and its first half for one only.
    const eveningStart = START + 18 * 3600_000
    const workload = generateWorkload({ jobs: 100, seed: 23, start: eveningStart, durationHours: 12, duplicates: 0.05, malformed: 0.01 })
    const shards = await twoShards(workload)
    const midnight = START + 86_400_000
    const timeOf = (r: ShardRecord): number | undefined => {
      try {
        return Date.parse((JSON.parse(Buffer.from(r.data).toString('utf8')) as { time: string }).time)
      } catch {
        return undefined
      }
    }
    const crossing = shards.a.findIndex((r) => (timeOf(r) ?? 0) >= midnight)
    expect(crossing).toBeGreaterThan(100)
    const doomed = shards.a.slice(crossing - 50, crossing + 10)
    const { handler, lines, clock, prefix } = await setup({
      onStep: (step, chunk) => {
        if (step === ChunkStep.StateWritten && chunk.firstSequence === doomed[0]!.sequenceNumber && doomed.length === 60 && !dead) {
          dead = true
          throw new Error('injected: the function timed out')
        }
      },
    })
    let dead = false
    const log: EsmDriveLog = { invocations: 0, failures: [], errors: 0, bisections: 0 }
    const tick = () => void (clock.now += 61_000)
    for (const batch of [...batchesOf(shards.a.slice(0, crossing - 50), 80), doomed, ...batchesOf(shards.a.slice(crossing + 10), 80)]) await drive(handler, SHARD_A, batch, log, tick)
    for (const batch of batchesOf(shards.b, 80)) await drive(handler, SHARD_B, batch, log, tick)
    expect(log.errors).toBe(1)
    expect(log.bisections).toBe(1)
    expect(log.failures).toEqual([])
    await expectFilesMatchTruth(prefix, workload, 1)
    // The dead invocation printed no metrics: the halves count everything once.
    expectMetricsMatchTruth(lines, workload, clock.now, 1, 1)
  })

  it('when time runs short, the first chunk still commits and the rest is reported from its first record, then retried', async () => {
    const workload = generateWorkload({ jobs: 40, seed: 24, start: START, durationHours: 6 })
    const records = await onShard(workload.records, { arrivalStartMs: START })
    const { handler, lines, clock, prefix } = await setup({ maxRecordsPerCommit: 50, deadlineReserveMs: 10_000 })
    const batch = records.slice(0, 120)
    // Less time left than the reserve from the start: the first chunk still runs (a short timeout never stalls the shard).
    const shortOnTime = { getRemainingTimeInMillis: () => 3_000 }
    const first = await handler(kinesisEvent(SHARD_A, batch), shortOnTime)
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: batch[50]!.sequenceNumber }])
    clock.now += 61_000
    const second = await handler(kinesisEvent(SHARD_A, batch.slice(50)), lambdaContext())
    expect(second.batchItemFailures).toEqual([])
    for (const rest of batchesOf(records.slice(120), 100)) expect((await handler(kinesisEvent(SHARD_A, rest), lambdaContext())).batchItemFailures).toEqual([])
    await expectFilesMatchTruth(prefix, workload, 0)
    expectMetricsMatchTruth(lines, workload, clock.now, 0, 0)
  })
})
