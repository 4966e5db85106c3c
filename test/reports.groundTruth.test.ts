import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ingestFile } from '../consumers/ingestFile.js'
import { createDirObjectStore } from '../consumers/sinks/dirObjectStore.js'
import { DEFAULT_PRICES, parsePriceTable } from '../core/priceTable.js'
import { generateWorkload, type Workload } from '../producers/generator/generateWorkload.js'
import { writeNdjson } from '../producers/ndjsonFile.js'
import { createLocalEngine, type LocalEngine } from '../queries/localEngine.js'
import { listReports, loadReport } from '../queries/loadReport.js'
import { reportParameterValues } from '../queries/reportParameters.js'
import { expectedReports, type Scope } from './reports.expected.js'
import { expectRowsToMatch } from './reports.matchRows.js'

let dir: string
let workload: Workload
let engine: LocalEngine

const PRICES = parsePriceTable({ version: 'test-1', queues: { 'spot-ec2': { capacity: 'spot' }, 'gpu-training': { rate: { vcpuHour: 0.05, gibHour: 0.005, gpuHour: 1.5, asOf: '2026-12-01', source: 'test' } } } })

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bm-reports-'))
  workload = generateWorkload({ jobs: 1500, seed: 23, duplicates: 0.05, reorder: 0.05, malformed: 0.005 })
  const input = join(dir, 'events.ndjson')
  await writeNdjson(input, workload.records)
  const data = join(dir, 'data')
  await ingestFile({ input, store: createDirObjectStore(data), batchRecords: 2000 })
  // At-least-once files, as a retried Lambda batch leaves them: the same rows again under other keys.
  for (const table of ['jobs', 'job_events']) {
    const day = join(data, table, 'dt=2026-11-30')
    for (const name of (await readdir(day)).slice(0, 2)) await copyFile(join(day, name), join(day, `again-${name}`))
  }
  engine = await createLocalEngine({ dataDir: data })
  const [raw] = await engine.query('SELECT count(*) AS n FROM jobs')
  const [deduped] = await engine.query('SELECT count(*) AS n FROM jobs_deduped')
  expect(Number(raw?.n)).toBeGreaterThan(Number(deduped?.n))
  expect(deduped?.n).toBe(workload.truth.jobRows)
})
afterAll(async () => {
  await engine?.close()
  await rm(dir, { recursive: true, force: true })
})

const scopes: [string, Omit<Scope, 'prices' | 'tagKey'>][] = [
  ['every day, every queue', { from: '2026-11-01', to: '2026-12-31', queues: [] }],
  ['one day, two queues', { from: '2026-11-30', to: '2026-11-30', queues: ['fargate', 'spot-ec2'] }],
]

describe('canned reports on the local engine equal the generator ground truth', () => {
  it.each(scopes)('%s', async (_label, scope) => {
    for (const [prices, tagKey] of [[DEFAULT_PRICES, 'team'], [PRICES, 'project']] as const) {
      const s: Scope = { ...scope, prices, tagKey }
      const expected = expectedReports(workload.jobsTruth.values(), s)
      for (const name of listReports()) {
        const report = loadReport(name)
        const rows = await engine.query(report.sql, reportParameterValues(report, { ...s, queues: s.queues }))
        if (name === 'backlog') continue
        const e = expected[name]
        expect(e, `expected values for ${name}`).toBeDefined()
        expect(e!.rows.length, `${name} has expected rows`).toBeGreaterThan(0)
        expectRowsToMatch(name, rows, e!.rows, e!.key)
      }
    }
  })

  it('usage-by-queue adds up to the per-queue truth totals', async () => {
    const report = loadReport('usage-by-queue')
    const rows = await engine.query(report.sql, reportParameterValues(report, { from: '2020-01-01', to: '2030-12-31' }))
    for (const [queue, t] of Object.entries(workload.truth.queues)) {
      const row = rows.find((r) => r.job_queue === queue)
      if (t.jobs === 0) {
        expect(row).toBeUndefined()
        continue
      }
      expect(row).toMatchObject({ jobs: t.jobs, succeeded: t.succeeded, failed: t.failed })
      expect(row?.vcpu_hours as number).toBeCloseTo(t.vcpuSeconds / 3600, 6)
      expect(row?.memory_gib_hours as number).toBeCloseTo(t.memoryGibSeconds / 3600, 6)
      expect(row?.gpu_hours as number).toBeCloseTo(t.gpuSeconds / 3600, 6)
      expect(row?.avg_wait_s as number).toBeCloseTo(t.waitSecondsSum / t.waitCount, 6)
    }
  })

  it('backlog: transitions into RUNNABLE equal the truth, and every queue ends with nothing RUNNABLE', async () => {
    const report = loadReport('backlog')
    const rows = await engine.query(report.sql, reportParameterValues(report, { from: '2026-11-30', to: '2026-12-31' }))
    for (const [queue, t] of Object.entries(workload.truth.queues)) {
      const mine = rows.filter((r) => r.job_queue === queue)
      expect(mine.reduce((a, r) => a + Number(r.to_runnable), 0), queue).toBe(t.transitionsByStatus.RUNNABLE ?? 0)
      if (mine.length === 0) continue
      expect(mine.at(-1)?.runnable_at_end, queue).toBe(0)
      for (const r of mine) expect(Number(r.peak_runnable)).toBeGreaterThanOrEqual(0)
    }
    // Starting later, the level before the range carries over: the last hour is the same.
    const later = await engine.query(report.sql, reportParameterValues(report, { from: '2026-12-01', to: '2026-12-31' }))
    const key = (r: Record<string, unknown>): string => `${String(r.hour)} ${String(r.job_queue)}`
    const full = new Map(rows.map((r) => [key(r), r]))
    for (const r of later) expect(r).toEqual(full.get(key(r)))
  })
})
