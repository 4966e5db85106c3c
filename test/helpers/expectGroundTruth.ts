import type { S3Client } from '@aws-sdk/client-s3'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { DEFAULT_PRICES } from '../../core/priceTable.js'
import type { Workload } from '../../producers/generator/generateWorkload.js'
import { createLocalEngine, type LocalEngine } from '../../queries/localEngine.js'
import { listReports, loadReport } from '../../queries/loadReport.js'
import { reportParameterValues } from '../../queries/reportParameters.js'
import { syncFromS3 } from '../../queries/syncFromS3.js'
import { expectedReports, type Scope } from '../reports.expected.js'
import { expectRowsToMatch } from '../reports.matchRows.js'

/** Mirrors `s3://bucket/prefix/` into a temporary folder and runs `fn` on the local engine over it. */
export async function withTablesFromS3<T>(s3: Pick<S3Client, 'send'>, bucket: string, prefix: string, fn: (engine: LocalEngine) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'bm-truth-'))
  try {
    await syncFromS3({ client: s3, bucket, prefix: prefix === '' ? '' : `${prefix.replace(/\/+$/, '')}/`, dir })
    const engine = await createLocalEngine({ dataDir: dir })
    try {
      return await fn(engine)
    } finally {
      await engine.close()
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

export interface TruthCheckOptions {
  /** Dead letters beyond the generator's malformed records (e.g. records a test corrupted itself). Default 0. */
  extraDeadLetters?: number
  /** Also run every canned report (except the hourly backlog) and compare it to the truth. Default true. */
  reports?: boolean
}

/**
 * The tables under the engine hold the workload exactly once: every deduped event and
 * finished job once (raw files, no view dedupe), per-queue usage and queue-minute sums
 * equal to the generator's ground truth, every malformed record a dead letter once,
 * and the canned reports equal to what the truth says they must be.
 */
export async function expectTablesMatchTruth(engine: LocalEngine, workload: Workload, options: TruthCheckOptions = {}): Promise<void> {
  const { truth } = workload
  const extra = options.extraDeadLetters ?? 0
  const [events] = await engine.query('select count(*) as n, count(distinct event_id) as ids from job_events')
  expect(events, 'job_events: every deduped event exactly once').toEqual({ n: truth.uniqueEvents, ids: truth.uniqueEvents })
  const [jobs] = await engine.query('select count(*) as n, count(distinct job_id) as ids from jobs')
  expect(jobs, 'jobs: every finished job exactly once').toEqual({ n: truth.jobRows, ids: truth.jobRows })

  const perQueue = await engine.query(
    `select job_queue, count(*) as jobs, count(*) filter (where status = 'SUCCEEDED') as succeeded, count(*) filter (where status = 'FAILED') as failed,
            sum(vcpu_seconds) as vcpu, sum(memory_gib_seconds) as mem, sum(gpu_seconds) as gpu, sum(billed_s) as billed
     from jobs where not is_array_parent group by job_queue order by job_queue`,
  )
  const expected = Object.entries(truth.queues).filter(([, q]) => q.jobs > 0).sort(([x], [y]) => (x < y ? -1 : 1))
  expect(perQueue.map((r) => [r.job_queue, r.jobs, r.succeeded, r.failed])).toEqual(expected.map(([q, t]) => [q, t.jobs, t.succeeded, t.failed]))
  perQueue.forEach((r, i) => {
    const t = expected[i]![1]
    expect(r.vcpu as number, `${String(r.job_queue)} vCPU-s`).toBeCloseTo(t.vcpuSeconds, 3)
    expect(r.mem as number, `${String(r.job_queue)} GiB-s`).toBeCloseTo(t.memoryGibSeconds, 3)
    expect(r.gpu as number, `${String(r.job_queue)} GPU-s`).toBeCloseTo(t.gpuSeconds, 3)
    expect(r.billed as number, `${String(r.job_queue)} billed s`).toBeCloseTo(t.billedSeconds, 3)
  })
  const minutes = await engine.query('select job_queue, sum(jobs_finished) as finished, sum(runnable_delta) as runnable, sum(running_delta) as running from queue_minutes group by job_queue order by job_queue')
  expect(minutes.filter((r) => Number(r.finished) > 0).map((r) => [r.job_queue, r.finished, r.runnable, r.running])).toEqual(expected.map(([q, t]) => [q, t.jobs, 0, 0]))

  const [dead] = await engine.query("select count(*) as n, count(distinct shard || ':' || sequence || ':' || coalesce(cast(sub_sequence as varchar), '')) as positions from dead_letters")
  expect(dead, 'dead letters: every malformed record once').toEqual({ n: truth.malformed + extra, positions: truth.malformed + extra })

  if (options.reports === false) return
  const scope: Scope = { from: '2000-01-01', to: '2099-12-31', queues: [], prices: DEFAULT_PRICES, tagKey: 'team' }
  const want = expectedReports(workload.jobsTruth.values(), scope)
  let compared = 0
  for (const name of listReports()) {
    if (name === 'backlog' || want[name] === undefined) continue
    const report = loadReport(name)
    const rows = await engine.query(report.sql, reportParameterValues(report, { ...scope }))
    expectRowsToMatch(name, rows, want[name].rows, want[name].key)
    compared++
  }
  expect(compared, 'canned reports compared with the truth').toBeGreaterThan(5)
}

/** `expectTablesMatchTruth` on what S3 holds under `prefix`. */
export async function expectS3MatchesTruth(s3: Pick<S3Client, 'send'>, bucket: string, prefix: string, workload: Workload, options: TruthCheckOptions = {}): Promise<void> {
  await withTablesFromS3(s3, bucket, prefix, (engine) => expectTablesMatchTruth(engine, workload, options))
}
