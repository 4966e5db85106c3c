import { describe, expect, it } from 'vitest'
import { JobStateStore } from '../consumers/pipeline/jobStateStore.js'
import { Pipeline } from '../consumers/pipeline/processRecords.js'
import { EVENT_T0, encode, jobEvent } from './helpers/eventBuilder.js'

function run(events: unknown[], opts: { now?: () => number; store?: JobStateStore } = {}) {
  const pipeline = new Pipeline({ store: opts.store ?? new JobStateStore(), now: opts.now ?? (() => EVENT_T0) })
  events.forEach((e, i) => pipeline.processRecord({ data: typeof e === 'string' ? new TextEncoder().encode(e) : encode(e), shardId: 'shard-0', sequenceNumber: String(i + 1) }))
  return { pipeline, out: pipeline.drain() }
}

// A job that ran twice: attempt 1 failed on a spot reclaim, attempt 2 succeeded.
const retried = [
  jobEvent({ jobId: 'j1', status: 'RUNNABLE', at: 10 }),
  jobEvent({ jobId: 'j1', status: 'STARTING', at: 70 }),
  jobEvent({ jobId: 'j1', status: 'RUNNING', at: 80, startedAt: 80 }),
  jobEvent({ jobId: 'j1', status: 'RUNNABLE', at: 200, attempts: [[80, 200, 137]] }),
  jobEvent({ jobId: 'j1', status: 'STARTING', at: 300, attempts: [[80, 200, 137]] }),
  jobEvent({ jobId: 'j1', status: 'RUNNING', at: 310, attempts: [[80, 200, 137]], startedAt: 310 }),
  jobEvent({ jobId: 'j1', status: 'SUCCEEDED', at: 610, attempts: [[80, 200, 137], [310, 610, 0]], startedAt: 310, stoppedAt: 610 }),
]

describe('pipeline semantics', () => {
  it('builds the jobs row of a retried job by the pinned formulas', () => {
    const { out, pipeline } = run(retried)
    expect(out.jobs).toHaveLength(1)
    expect(out.jobs[0]).toMatchObject({
      job_id: 'j1', job_queue: 'ondemand', job_definition: 'def:3', status: 'SUCCEEDED', attempts: 2, exit_code: 0, platform: 'EC2',
      vcpus: 2, memory_mib: 4096, wait_s: 80, run_s: 300, billed_s: 420, vcpu_seconds: 840, memory_gib_seconds: 4 * 420, gpu_seconds: 0,
      created_at: EVENT_T0, started_at: EVENT_T0 + 310_000, stopped_at: EVENT_T0 + 610_000, is_array_parent: false,
    })
    expect(out.jobEvents).toHaveLength(7)
    expect(pipeline.counters).toMatchObject({ stateChanges: 7, duplicates: 0, late: 0, jobsFinished: 1 })
  })

  it('drops duplicates both ways: same event id, and same transition under a new id', () => {
    const sameId = retried[2]!
    const newId = { ...retried[4]!, id: 'brand-new-id' }
    const { out, pipeline } = run([...retried.slice(0, 5), sameId, newId, ...retried.slice(5), retried[6]])
    expect(out.jobEvents).toHaveLength(7)
    expect(out.jobs).toHaveLength(1)
    expect(pipeline.counters.duplicates).toBe(3)
  })

  it('keeps late events but never moves a job backwards; the jobs row comes from the terminal event', () => {
    const shuffled = [retried[6], retried[0], retried[3], retried[1], retried[5], retried[2], retried[4]]
    const { out, pipeline } = run(shuffled)
    expect(out.jobEvents).toHaveLength(7)
    expect(out.jobs).toHaveLength(1)
    expect(out.jobs[0]).toMatchObject({ billed_s: 420, wait_s: 80 })
    expect(out.jobEvents.filter((r) => r.is_late)).toHaveLength(6)
    expect(pipeline.counters.late).toBe(6)
    // The gauges still net to zero: the job is finished.
    const net = out.queueMinutes.reduce((s, r) => s + (r.runnable_delta as number) + (r.running_delta as number), 0)
    expect(net).toBe(0)
  })

  it('a cancellation from RUNNABLE has no attempts: null wait, zero usage', () => {
    const { out } = run([
      jobEvent({ jobId: 'c1', status: 'RUNNABLE', at: 5 }),
      jobEvent({ jobId: 'c1', status: 'FAILED', at: 900, stoppedAt: 900, statusReason: 'Job cancelled by user' }),
    ])
    expect(out.jobs[0]).toMatchObject({ status: 'FAILED', attempts: 0, wait_s: null, run_s: null, billed_s: 0, vcpu_seconds: 0, status_reason: 'Job cancelled by user' })
  })

  it('array parents get a flagged row with zero usage and stay out of the queue sums', () => {
    const { out } = run([
      jobEvent({ jobId: 'p', status: 'PENDING', at: 0, arraySize: 2 }),
      jobEvent({ jobId: 'p:0', status: 'SUCCEEDED', at: 100, arrayIndex: 0, attempts: [[10, 100]], stoppedAt: 100 }),
      jobEvent({ jobId: 'p:1', status: 'SUCCEEDED', at: 110, arrayIndex: 1, attempts: [[10, 110]], stoppedAt: 110 }),
      jobEvent({ jobId: 'p', status: 'SUCCEEDED', at: 120, arraySize: 2, attempts: [[10, 110]], stoppedAt: 120 }),
    ])
    const parent = out.jobs.find((r) => r.job_id === 'p')
    expect(parent).toMatchObject({ is_array_parent: true, vcpu_seconds: 0, billed_s: 0, array_size: 2 })
    expect(out.jobs.find((r) => r.job_id === 'p:1')).toMatchObject({ array_parent_id: 'p', array_index: 1, vcpu_seconds: 200 })
    const finished = out.queueMinutes.reduce((s, r) => s + (r.jobs_finished as number), 0)
    const vcpu = out.queueMinutes.reduce((s, r) => s + (r.vcpu_seconds as number), 0)
    expect(finished).toBe(2)
    expect(vcpu).toBe(180 + 200)
  })

  it('counts queue-blocked events per queue and reason, deduped by id only', () => {
    const blocked = (id: string, reason: string) => jobEvent({ jobId: 'b1', status: 'RUNNABLE', at: 60, id, detailType: 'Batch Job Queue Blocked', statusReason: reason, queue: 'gpu' })
    const { out, pipeline } = run([
      jobEvent({ jobId: 'b1', status: 'RUNNABLE', at: 1, queue: 'gpu' }),
      blocked('x1', 'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY'),
      blocked('x1', 'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY'),
      blocked('x2', 'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY'),
      blocked('x3', 'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - The job resource requirement (vCPU/memory/GPU) is higher than that can be met by the CE(s) attached to the job queue.'),
    ])
    expect(pipeline.counters).toMatchObject({ queueBlocked: 3, duplicates: 1, stateChanges: 1 })
    const minute = out.queueMinutes.find((r) => r.blocked_events === 3)
    expect(minute?.blocked_by_reason).toEqual({ 'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY': 2, 'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT': 1 })
    expect(out.jobEvents.filter((r) => r.event_type === 'queue_blocked')).toHaveLength(3)
  })

  it('per-minute aggregates: transitions, finished jobs, wait/run sums and maxima, gauges', () => {
    const { out } = run(retried)
    const byMinute = new Map(out.queueMinutes.map((r) => [((r.minute as number) - EVENT_T0) / 60_000, r]))
    expect(byMinute.get(0)).toMatchObject({ to_runnable: 1, runnable_delta: 1, running_delta: 0 })
    expect(byMinute.get(1)).toMatchObject({ to_starting: 1, to_running: 1, runnable_delta: -1, running_delta: 1 })
    expect(byMinute.get(3)).toMatchObject({ to_runnable: 1, runnable_delta: 1, running_delta: -1 })
    expect(byMinute.get(10)).toMatchObject({ to_succeeded: 1, jobs_finished: 1, jobs_succeeded: 1, retried_attempts: 1, vcpu_seconds: 840, wait_s_sum: 80, wait_s_max: 80, run_s_sum: 300, running_delta: -1 })
  })

  it('bad records become dead letters with their reason, shard and sequence, and never stop the pipeline', () => {
    const { out, pipeline } = run(['{"truncated": ', jobEvent({ jobId: 'x', status: 'BOGUS', at: 1 }), retried[0], '\u0000\u0001'])
    expect(out.deadLetters.map((d) => [d.field, d.sequence])).toEqual([['(json)', '1'], ['detail.status', '2'], ['(json)', '4']])
    expect(Buffer.from(out.deadLetters[0]!.dataBase64, 'base64').toString()).toBe('{"truncated": ')
    expect(pipeline.counters).toMatchObject({ deadLetters: 3, stateChanges: 1 })
    const badUtf8 = new Pipeline({ store: new JobStateStore() })
    badUtf8.processRecord({ data: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), shardId: 's', sequenceNumber: '9' })
    expect(badUtf8.drain().deadLetters[0]).toMatchObject({ reason: 'not valid UTF-8', sequence: '9' })
  })

  it('state expires a set time after a job ends, so a very late duplicate is no longer known', () => {
    let now = EVENT_T0
    const store = new JobStateStore({ retainAfterTerminalMs: 3600_000, maxAgeMs: 7200_000 })
    const pipeline = new Pipeline({ store, now: () => now })
    retried.forEach((e, i) => pipeline.processRecord({ data: encode(e), shardId: 's', sequenceNumber: String(i) }))
    pipeline.processRecord({ data: encode(jobEvent({ jobId: 'open', status: 'RUNNING', at: 5, startedAt: 5 })), shardId: 's', sequenceNumber: 'x' })
    expect(store.size).toBe(2)
    now += 3600_000
    expect(pipeline.expireState(now)).toBe(0)
    expect(store.size).toBe(1)
    now += 3600_000
    expect(pipeline.expireState(now)).toBe(1)
    expect(store.size).toBe(0)
    const out = pipeline.drain()
    expect(out.queueMinutes.reduce((s, r) => s + (r.running_delta as number), 0)).toBe(0)
  })
})
