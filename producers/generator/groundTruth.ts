/**
 * What a correct consumer must compute from a generated workload. The per-job
 * formulas are the `jobs` table's (core/tables.ts); a job "finished" when it reached
 * SUCCEEDED or FAILED. Array parents are bookkeeping: counted in `arrayParents` only,
 * never in job counts or sums. Service jobs count as jobs with zero vCPU/memory/GPU.
 * `cancelled` counts FAILED jobs that never started (no attempts: cancelled by a user,
 * by a JobStateTimeLimit action, or after a failed dependency); they are in `failed` too.
 */
import type { JobStatus } from '../model/batchEvent.js'
import { blockedReasonCode } from '../model/parseBatchEvent.js'

export interface QueueTruth {
  jobs: number
  succeeded: number
  failed: number
  cancelled: number
  /** Σ (attempts − 1) over jobs with ≥ 1 attempt. */
  retriedAttempts: number
  vcpuSeconds: number
  memoryGibSeconds: number
  gpuSeconds: number
  billedSeconds: number
  waitSecondsSum: number
  waitCount: number
  runSecondsSum: number
  runCount: number
  arrayParents: number
  serviceJobs: number
  /** Queue-blocked events (unique event ids) by reason code, the part of statusReason before " - ". */
  blockedByReason: Record<string, number>
  /** Unique (jobId, status, attempt) state-change transitions, array parents and service jobs included. */
  transitionsByStatus: Record<string, number>
}

export interface GroundTruth {
  /** Every queue of the catalog, even when it got no job. */
  queues: Record<string, QueueTruth>
  /** Unique state-change + queue-blocked events: the rows `job_events` must hold. */
  uniqueEvents: number
  stateChangeEvents: number
  queueBlockedEvents: number
  duplicatesSameId: number
  duplicatesNewId: number
  malformed: number
  malformedByVariant: Record<string, number>
  cloudtrail: number
  records: number
  /** Records moved later by `reorder`. */
  displaced: number
  /** Finished jobs by final status, array parents excluded. */
  jobsByStatus: Record<string, number>
  /** Jobs of every kind, array parents and children included (= rows of the `jobs` table). */
  jobRows: number
}

/** The expected `jobs` row of one finished job; column names as in core/tables.ts, times in epoch ms. */
export interface JobTruth {
  job_id: string
  job_kind: 'batch' | 'service'
  is_array_parent: boolean
  job_name: string
  job_queue: string
  job_definition: string | null
  status: 'SUCCEEDED' | 'FAILED'
  status_reason: string | null
  exit_code: number | null
  attempts: number
  platform: 'EC2' | 'FARGATE' | null
  cpu_architecture: string | null
  vcpus: number | null
  memory_mib: number | null
  gpus: number | null
  created_at: number
  started_at: number | null
  stopped_at: number
  wait_s: number | null
  run_s: number | null
  billed_s: number
  vcpu_seconds: number
  memory_gib_seconds: number
  gpu_seconds: number
  array_parent_id: string | null
  array_index: number | null
  array_size: number | null
  num_nodes: number | null
  share_identifier: string | null
  tags: Record<string, string>
  account: string
  region: string
}

export interface AttemptTimes {
  startedAt: number
  stoppedAt: number
}

export type JobUsage = Pick<JobTruth, 'wait_s' | 'run_s' | 'billed_s' | 'vcpu_seconds' | 'memory_gib_seconds' | 'gpu_seconds'>

/** The usage formulas; a resource a job does not state counts as 0. */
export function jobUsage(createdAt: number, attempts: readonly AttemptTimes[], vcpus: number | null, memoryMib: number | null, gpus: number | null): JobUsage {
  const first = attempts[0]
  const last = attempts[attempts.length - 1]
  let billedMs = 0
  for (const a of attempts) billedMs += a.stoppedAt - a.startedAt
  const billed = billedMs / 1000
  return {
    wait_s: first === undefined ? null : (first.startedAt - createdAt) / 1000,
    run_s: last === undefined ? null : (last.stoppedAt - last.startedAt) / 1000,
    billed_s: billed,
    vcpu_seconds: (vcpus ?? 0) * billed,
    memory_gib_seconds: ((memoryMib ?? 0) / 1024) * billed,
    gpu_seconds: (gpus ?? 0) * billed,
  }
}

export function createQueueTruth(): QueueTruth {
  return {
    jobs: 0, succeeded: 0, failed: 0, cancelled: 0, retriedAttempts: 0,
    vcpuSeconds: 0, memoryGibSeconds: 0, gpuSeconds: 0, billedSeconds: 0,
    waitSecondsSum: 0, waitCount: 0, runSecondsSum: 0, runCount: 0,
    arrayParents: 0, serviceJobs: 0, blockedByReason: {}, transitionsByStatus: {},
  }
}

export function createGroundTruth(queueNames: readonly string[]): GroundTruth {
  const queues: Record<string, QueueTruth> = {}
  for (const name of queueNames) queues[name] = createQueueTruth()
  return {
    queues, uniqueEvents: 0, stateChangeEvents: 0, queueBlockedEvents: 0,
    duplicatesSameId: 0, duplicatesNewId: 0, malformed: 0, malformedByVariant: {},
    cloudtrail: 0, records: 0, displaced: 0, jobsByStatus: {}, jobRows: 0,
  }
}

function queueOf(truth: GroundTruth, queue: string): QueueTruth {
  return (truth.queues[queue] ??= createQueueTruth())
}

const bump = (counts: Record<string, number>, key: string): void => {
  counts[key] = (counts[key] ?? 0) + 1
}

/** Counts one unique state-change or queue-blocked event. */
export function addEventToTruth(truth: GroundTruth, queue: string, event: { type: 'state' | 'blocked'; status: JobStatus; blockedReason: string | null }): void {
  const q = queueOf(truth, queue)
  truth.uniqueEvents++
  if (event.type === 'blocked') {
    truth.queueBlockedEvents++
    bump(q.blockedByReason, blockedReasonCode(event.blockedReason ?? ''))
  } else {
    truth.stateChangeEvents++
    bump(q.transitionsByStatus, event.status)
  }
}

/** Adds one finished job's expected row to the per-queue totals. */
export function addJobToTruth(truth: GroundTruth, row: JobTruth): void {
  const q = queueOf(truth, row.job_queue)
  truth.jobRows++
  if (row.is_array_parent) {
    q.arrayParents++
    return
  }
  q.jobs++
  bump(truth.jobsByStatus, row.status)
  if (row.status === 'SUCCEEDED') q.succeeded++
  else {
    q.failed++
    if (row.attempts === 0) q.cancelled++
  }
  if (row.job_kind === 'service') q.serviceJobs++
  if (row.attempts > 0) q.retriedAttempts += row.attempts - 1
  q.vcpuSeconds += row.vcpu_seconds
  q.memoryGibSeconds += row.memory_gib_seconds
  q.gpuSeconds += row.gpu_seconds
  q.billedSeconds += row.billed_s
  if (row.wait_s !== null) {
    q.waitSecondsSum += row.wait_s
    q.waitCount++
  }
  if (row.run_s !== null) {
    q.runSecondsSum += row.run_s
    q.runCount++
  }
}
