import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { JobStateStore } from '../consumers/pipeline/jobStateStore.js'
import { Pipeline } from '../consumers/pipeline/processRecords.js'
import { createDirObjectStore } from '../consumers/sinks/dirObjectStore.js'
import { planOutputFiles } from '../consumers/sinks/planOutputFiles.js'
import { createLocalEngine } from '../queries/localEngine.js'
import { EVENT_T0, encode, jobEvent } from './helpers/eventBuilder.js'

/**
 * Clocks disagree: AWS Batch's `createdAt`/`startedAt`/`stoppedAt` come from different
 * hosts, EventBridge stamps `time`, and a replay may carry events from far away in
 * time. The decision (README, "Guarantees"): usage is never negative — a negative span
 * counts as 0 and the job is counted in `clockSkewed`; the row keeps the raw timestamps
 * so the skew stays visible; events are kept under their own time, however odd.
 */
function run(events: unknown[]) {
  const pipeline = new Pipeline({ store: new JobStateStore(), now: () => EVENT_T0 + 86_400_000 })
  events.forEach((e, i) => pipeline.processRecord({ data: encode(e), shardId: 'shard-0', sequenceNumber: String(i + 1) }))
  return { pipeline, out: pipeline.drain() }
}

describe('clock skew in events', () => {
  it('stoppedAt before startedAt, startedAt before createdAt: zero usage for that span, counted, never negative', () => {
    const { out, pipeline } = run([
      // Attempt 1 "stopped" 30 s before it started; attempt 2 is fine (100 s); created 5 s after its first start.
      jobEvent({ jobId: 'skewed', status: 'RUNNABLE', at: 1, createdAt: 10 }),
      jobEvent({ jobId: 'skewed', status: 'SUCCEEDED', at: 400, createdAt: 10, attempts: [[5, -25, 1], [200, 300, 0]], startedAt: 200, stoppedAt: 300 }),
      // Every span backwards.
      jobEvent({ jobId: 'backwards', status: 'FAILED', at: 500, createdAt: 900, attempts: [[800, 700, 1]], startedAt: 800, stoppedAt: 700 }),
      // A sane job beside them is untouched.
      jobEvent({ jobId: 'fine', status: 'SUCCEEDED', at: 600, createdAt: 0, attempts: [[50, 150, 0]], startedAt: 50, stoppedAt: 150 }),
    ])
    const byId = new Map(out.jobs.map((r) => [r.job_id, r]))
    expect(byId.get('skewed')).toMatchObject({ wait_s: 0, run_s: 100, billed_s: 100, vcpu_seconds: 200, created_at: EVENT_T0 + 10_000, started_at: EVENT_T0 + 200_000 })
    expect(byId.get('backwards')).toMatchObject({ wait_s: 0, run_s: 0, billed_s: 0, vcpu_seconds: 0, memory_gib_seconds: 0, started_at: EVENT_T0 + 800_000, stopped_at: EVENT_T0 + 700_000 })
    expect(byId.get('fine')).toMatchObject({ wait_s: 50, run_s: 100, billed_s: 100 })
    for (const r of out.jobs) for (const c of ['wait_s', 'run_s', 'billed_s', 'vcpu_seconds', 'memory_gib_seconds', 'gpu_seconds']) expect(r[c] ?? 0, `${String(r.job_id)} ${c}`).toBeGreaterThanOrEqual(0)
    for (const m of out.queueMinutes) for (const c of ['vcpu_seconds', 'memory_gib_seconds', 'gpu_seconds', 'wait_s_sum', 'run_s_sum']) expect((m[c] as number | null) ?? 0).toBeGreaterThanOrEqual(0)
    expect(pipeline.counters).toMatchObject({ jobsFinished: 3, clockSkewed: 2, deadLetters: 0 })
  })

  it('envelope times far in the past, far in the future and out of order are kept under their own date, without a crash', async () => {
    const far = (iso: string, e: Record<string, unknown>) => ({ ...e, time: iso })
    const events = [
      far('1970-01-01T00:00:01Z', jobEvent({ jobId: 'old', status: 'SUBMITTED', at: 0 })),
      far('2099-12-31T23:59:59Z', jobEvent({ jobId: 'future', status: 'SUBMITTED', at: 0 })),
      far('2099-12-31T23:59:59Z', jobEvent({ jobId: 'future', status: 'SUCCEEDED', at: 0, attempts: [[10, 70, 0]], startedAt: 10, stoppedAt: 70 })),
      // A terminal event stamped before the job's own RUNNING: order comes from the state machine, not the clock.
      jobEvent({ jobId: 'order', status: 'RUNNING', at: 100, startedAt: 90 }),
      jobEvent({ jobId: 'order', status: 'SUCCEEDED', at: 50, attempts: [[90, 150, 0]], startedAt: 90, stoppedAt: 150 }),
    ]
    const { out, pipeline } = run(events)
    expect(pipeline.counters).toMatchObject({ stateChanges: 5, deadLetters: 0, jobsFinished: 2 })
    const files = planOutputFiles(out, 'skew', 'shard-0-1')
    expect(files.map((f) => f.key).filter((k) => k.includes('job_events')).sort()).toEqual([
      'skew/job_events/dt=1970-01-01/shard-0-1.parquet',
      'skew/job_events/dt=2026-11-30/shard-0-1.parquet',
      'skew/job_events/dt=2099-12-31/shard-0-1.parquet',
    ])
    const dir = await mkdtemp(join(tmpdir(), 'bm-skew-'))
    try {
      const store = createDirObjectStore(dir)
      for (const f of files) await store.put(f.key, f.body, f.contentType)
      const engine = await createLocalEngine({ dataDir: join(dir, 'skew') })
      try {
        const rows = await engine.query("select job_id, strftime(event_time, '%Y') as y from job_events order by event_time")
        expect(rows.map((r) => [r.job_id, r.y])).toEqual([['old', '1970'], ['order', '2026'], ['order', '2026'], ['future', '2099'], ['future', '2099']])
        const [jobs] = await engine.query('select count(*) as n, min(billed_s) as min_billed from jobs')
        expect(jobs).toEqual({ n: 2, min_billed: 60 })
      } finally {
        await engine.close()
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
