/**
 * Query cost of the canned reports on the local engine: the time of `usage-by-queue`
 * over a month holding 1 M generated jobs, and the bytes it scans (the Parquet column
 * chunks it reads, measured from DuckDB's file reads) against the bytes of the same
 * events as raw JSON — what Athena would scan with no Parquet at all.
 *
 * One generated day is laid out over as many days as 1 M jobs need (ids and times
 * shifted), so the month costs one day of generation.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeParquet } from '../consumers/sinks/encodeParquet.js'
import { JOBS, type Row } from '../core/tables.js'
import { generateWorkload } from '../producers/generator/generateWorkload.js'
import { createLocalEngine } from '../queries/localEngine.js'
import { loadReport } from '../queries/loadReport.js'
import { reportParameterValues } from '../queries/reportParameters.js'
import type { BenchResult } from './benchResult.js'

export interface QueryScanOptions {
  /** Job rows in the month. Default 1_000_000. */
  jobs?: number
  /** Submissions in the generated day that is repeated. Default 27_000 (≈ 33 k job rows with array children). */
  submissionsPerDay?: number
  /** Timed runs (the median is reported). Default 5. */
  runs?: number
  log?: (line: string) => void
}

const DAY_MS = 86_400_000
const START = Date.UTC(2026, 10, 1)
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10)
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

async function timed(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn() // warm-up: file metadata and caches, as a second Athena query would have them
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint()
    await fn()
    times.push(Number(process.hrtime.bigint() - t) / 1e6)
  }
  return median(times)
}

export async function benchQueryScan(options: QueryScanOptions = {}): Promise<BenchResult[]> {
  const { jobs = 1_000_000, submissionsPerDay = 27_000, runs = 5, log = () => undefined } = options
  const dir = await mkdtemp(join(tmpdir(), 'batchmeter-bench-scan-'))
  try {
    const workload = generateWorkload({ jobs: submissionsPerDay, seed: 7, start: START })
    const rawPerDay = workload.records.reduce((a, r) => a + (r.kind === 'cloudtrail' ? 0 : r.data.byteLength), 0)
    const dayRows = [...workload.jobsTruth.values()] as unknown as Row[]
    const days = Math.ceil(jobs / dayRows.length)
    log(`query scan: ${days} days × ${dayRows.length.toLocaleString('en-US')} job rows (${(rawPerDay / 1e6).toFixed(0)} MB of event JSON per day)…`)
    let written = 0
    for (let d = 0; d < days && written < jobs; d++) {
      const shift = d * DAY_MS
      const rows = dayRows.slice(0, jobs - written).map((r) => ({
        ...r,
        job_id: `${String(r.job_id)}-${d}`,
        array_parent_id: r.array_parent_id === null ? null : `${String(r.array_parent_id)}-${d}`,
        created_at: (r.created_at as number) + shift,
        started_at: r.started_at === null ? null : (r.started_at as number) + shift,
        stopped_at: (r.stopped_at as number) + shift,
      }))
      written += rows.length
      const byDt = new Map<string, Row[]>()
      for (const r of rows) {
        const dt = day(r.stopped_at as number)
        let g = byDt.get(dt)
        if (!g) byDt.set(dt, (g = []))
        g.push(r)
      }
      for (const [dt, group] of byDt) {
        const folder = join(dir, 'jobs', `dt=${dt}`)
        await mkdir(folder, { recursive: true })
        await writeFile(join(folder, `day-${d}.parquet`), encodeParquet(JOBS, group))
      }
    }
    const rawBytes = rawPerDay * (written / dayRows.length)
    const engine = await createLocalEngine({ dataDir: dir })
    try {
      const report = loadReport('usage-by-queue')
      const params = reportParameterValues(report, { from: day(START), to: day(START + (days + 2) * DAY_MS) })
      const result = await engine.queryDetailed(report.sql, params)
      const jobsCounted = result.rows.reduce((a, r) => a + Number(r.jobs), 0)
      const queryMs = await timed(runs, () => engine.query(report.sql, params))
      const floorMs = await timed(runs, () => engine.query('SELECT sum(vcpu_seconds) AS s FROM jobs WHERE dt BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)', params.slice(0, 2)))
      const ratio = result.scannedBytes / rawBytes
      log(`query scan: ${jobsCounted.toLocaleString('en-US')} jobs counted, ${result.scannedBytes.toLocaleString('en-US')} bytes scanned`)
      return [
        { name: `usage-by-queue over ${(written / 1e6).toFixed(2)} M jobs, a month (local engine, floor: plain sum over jobs)`, value: Math.round(queryMs), unit: 'ms', floor: Math.round(floorMs), ratio: queryMs / floorMs },
        {
          name: 'usage-by-queue bytes scanned (Parquet column chunks) vs the same events as raw JSON',
          value: Math.round((result.scannedBytes / 1e6) * 100) / 100,
          unit: 'MB',
          floor: Math.round(rawBytes / 1e6),
          ratio,
          target: '≤ 2 % of raw JSON',
          met: ratio <= 0.02,
        },
      ]
    } finally {
      await engine.close()
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const results = await benchQueryScan({ log: (l) => process.stderr.write(`${l}\n`) })
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`)
}
