import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compactPartition } from '../consumers/compaction/compactPartition.js'
import { ingestFile } from '../consumers/ingestFile.js'
import { createS3ObjectStore } from '../consumers/sinks/s3ObjectStore.js'
import type { ObjectStore } from '../consumers/sinks/objectStore.js'
import { generateWorkload, type Workload } from '../producers/generator/generateWorkload.js'
import { writeNdjson } from '../producers/ndjsonFile.js'
import { createLocalEngine, type LocalEngine } from '../queries/localEngine.js'
import { loadReport } from '../queries/loadReport.js'
import { reportParameterValues } from '../queries/reportParameters.js'
import { syncFromS3 } from '../queries/syncFromS3.js'
import { startS3rverForTest, type S3rverForTest } from './helpers/s3rverForTest.js'

const DAY = '2026-11-30'
let s3: S3rverForTest
let store: ObjectStore
let dir: string
let cache: string
let engine: LocalEngine
let workload: Workload

const keys = async (table: string): Promise<string[]> => {
  const out: string[] = []
  for await (const o of store.list(`bm/${table}/dt=${DAY}/`)) out.push(o.key)
  return out
}
/** What a reader sees now: a fresh mirror of the bucket, then the query. */
const read = async (sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> => {
  await syncFromS3({ client: s3.client, bucket: s3.bucket, prefix: 'bm/', dir: cache })
  return engine.query(sql, params)
}

beforeAll(async () => {
  s3 = await startS3rverForTest('compaction')
  store = createS3ObjectStore({ client: s3.client, bucket: s3.bucket })
  dir = await mkdtemp(join(tmpdir(), 'bm-compact-'))
  cache = join(dir, 'cache')
  workload = generateWorkload({ jobs: 800, seed: 31, duplicates: 0.05, reorder: 0.05 })
  await writeNdjson(join(dir, 'events.ndjson'), workload.records)
  // Small flushes: many small files per day, as a busy consumer leaves them.
  await ingestFile({ input: join(dir, 'events.ndjson'), store, prefix: 'bm', batchRecords: 300 })
  // At-least-once: one file written twice under two keys.
  const [first] = await keys('jobs')
  await store.put(first!.replace('.parquet', '-again.parquet'), (await store.get(first!))!)
  engine = await createLocalEngine({ dataDir: cache })
})
afterAll(async () => {
  await engine?.close()
  await s3?.stop()
  await rm(dir, { recursive: true, force: true })
})

describe('batchmeter compact', () => {
  it('rewrites a day of small files into one sorted, deduped file; readers never see a gap or a duplicate; reports are unchanged', async () => {
    const report = loadReport('usage-by-queue')
    const params = reportParameterValues(report, { from: DAY, to: DAY })
    const before = await read(report.sql, params)
    const [{ n: expected } = {}] = await read('SELECT count(*) AS n FROM jobs_deduped WHERE dt = CAST(? AS DATE)', [DAY])
    const [{ n: raw } = {}] = await read('SELECT count(*) AS n FROM jobs WHERE dt = CAST(? AS DATE)', [DAY])
    expect(Number(raw)).toBeGreaterThan(Number(expected))
    const inputs = await keys('jobs')
    expect(inputs.length).toBeGreaterThan(5)

    // A reader checks the table after every step of the compaction.
    const seen: number[] = []
    const result = await compactPartition({
      store,
      prefix: 'bm',
      table: 'jobs',
      dt: DAY,
      onStep: async () => {
        const [{ n } = {}] = await read('SELECT count(*) AS n FROM jobs_deduped WHERE dt = CAST(? AS DATE)', [DAY])
        seen.push(Number(n))
      },
    })
    expect(seen.length).toBe(inputs.length + 2)
    expect(new Set(seen)).toEqual(new Set([Number(expected)]))

    expect(result).toMatchObject({ table: 'jobs', dt: DAY, inputFiles: inputs.length, inputRows: Number(raw), outputRows: Number(expected) })
    expect(result.duplicatesDropped).toBe(Number(raw) - Number(expected))
    expect(await keys('jobs')).toEqual([result.outputKey])
    // Equal up to float summation order.
    const after = await read(report.sql, params)
    expect(after.map((r) => r.job_queue)).toEqual(before.map((r) => r.job_queue))
    after.forEach((row, i) => {
      for (const [k, v] of Object.entries(before[i]!)) {
        if (typeof v === 'number') expect(row[k] as number, `${String(row.job_queue)} ${k}`).toBeCloseTo(v, 6)
        else expect(row[k]).toEqual(v)
      }
    })
    // Sorted by time: stop times never go backwards through the file.
    const times = await read('SELECT stopped_at FROM jobs WHERE dt = CAST(? AS DATE)', [DAY])
    const ms = times.map((r) => Date.parse(String(r.stopped_at)))
    expect(ms).toEqual([...ms].sort((a, b) => a - b))
    expect(await read('SELECT count(*) AS n FROM jobs WHERE dt = CAST(? AS DATE)', [DAY])).toEqual([{ n: Number(expected) }])
  })

  it('is idempotent, and folds files the consumer wrote meanwhile into the next run', async () => {
    const again = await compactPartition({ store, prefix: 'bm', table: 'jobs', dt: DAY })
    expect(again.skipped).toBe('already compacted')
    const [compacted] = await keys('jobs')
    // The consumer replays a flush after a crash: the same rows arrive again in a new small file.
    await store.put(`bm/jobs/dt=${DAY}/shardId-000000000009-late.parquet`, (await store.get(compacted!))!)
    const next = await compactPartition({ store, prefix: 'bm', table: 'jobs', dt: DAY })
    expect(next.inputFiles).toBe(2)
    expect(next.duplicatesDropped).toBe(next.outputRows)
    expect(await keys('jobs')).toEqual([next.outputKey])
  })

  it('compacts job_events by event id, and refuses queue_minutes', async () => {
    const [{ n: events } = {}] = await read('SELECT count(*) AS n FROM job_events_deduped WHERE dt = CAST(? AS DATE)', [DAY])
    const r = await compactPartition({ store, prefix: 'bm', table: 'job_events', dt: DAY })
    expect(r.outputRows).toBe(Number(events))
    expect(await read('SELECT count(*) AS n FROM job_events WHERE dt = CAST(? AS DATE)', [DAY])).toEqual([{ n: Number(events) }])
    await expect(compactPartition({ store, prefix: 'bm', table: 'queue_minutes' as 'jobs', dt: DAY })).rejects.toMatchObject({ code: 'E_USAGE' })
  })
})
