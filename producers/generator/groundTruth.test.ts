/**
 * The ground truth is recomputed here from the records alone, the way a consumer
 * would: decode, dedupe by event id and by (jobId, status, attempt), then apply the
 * `jobs` formulas to each terminal event. It must equal what the generator reports.
 */
import { describe, expect, it } from 'vitest'
import { isTerminal, type JobStateEvent } from '../model/batchEvent.js'
import { blockedReasonCode, parseBatchEventJson } from '../model/parseBatchEvent.js'
import { type GeneratedRecord, generateWorkload } from './generateWorkload.js'
import { createQueueTruth, type GroundTruth, type JobTruth, type QueueTruth } from './groundTruth.js'

interface Recomputed {
  queues: Record<string, QueueTruth>
  stateChangeEvents: number
  queueBlockedEvents: number
  invalid: number
  skipped: number
  rows: Map<string, Partial<JobTruth>>
}

function rowOf(e: JobStateEvent): Partial<JobTruth> {
  const billed = e.attempts.reduce((sum, a) => sum + (a.stoppedAt! - a.startedAt!) / 1000, 0)
  const first = e.attempts[0]
  const lastAttempt = e.attempts[e.attempts.length - 1]
  return {
    job_id: e.jobId,
    job_kind: e.kind,
    is_array_parent: e.isArrayParent,
    job_name: e.jobName,
    job_queue: e.jobQueue,
    job_definition: e.jobDefinition,
    status: e.status as 'SUCCEEDED' | 'FAILED',
    status_reason: e.statusReason,
    exit_code: e.exitCode,
    attempts: e.attempts.length,
    platform: e.platform,
    cpu_architecture: e.cpuArchitecture,
    vcpus: e.vcpus,
    memory_mib: e.memoryMib,
    gpus: e.gpus,
    created_at: e.createdAt!,
    started_at: e.startedAt,
    stopped_at: e.stoppedAt!,
    wait_s: first ? (first.startedAt! - e.createdAt!) / 1000 : null,
    run_s: lastAttempt ? (lastAttempt.stoppedAt! - lastAttempt.startedAt!) / 1000 : null,
    billed_s: billed,
    vcpu_seconds: (e.vcpus ?? 0) * billed,
    memory_gib_seconds: ((e.memoryMib ?? 0) / 1024) * billed,
    gpu_seconds: (e.gpus ?? 0) * billed,
    array_parent_id: e.arrayParentId,
    array_index: e.arrayIndex,
    array_size: e.arraySize,
    share_identifier: e.shareIdentifier,
    tags: e.tags,
    account: e.account!,
    region: e.region!,
  }
}

function recompute(records: readonly GeneratedRecord[]): Recomputed {
  const out: Recomputed = { queues: {}, stateChangeEvents: 0, queueBlockedEvents: 0, invalid: 0, skipped: 0, rows: new Map() }
  const ids = new Set<string>()
  const transitions = new Set<string>()
  const decoder = new TextDecoder()
  const queue = (name: string): QueueTruth => (out.queues[name] ??= createQueueTruth())
  for (const r of records) {
    const parsed = parseBatchEventJson(decoder.decode(r.data))
    if (parsed.outcome === 'invalid') out.invalid++
    if (parsed.outcome === 'skipped') out.skipped++
    if (parsed.outcome !== 'event') continue
    const e = parsed.event
    if (ids.has(e.eventId)) continue
    ids.add(e.eventId)
    const q = queue(e.jobQueue)
    if (e.type === 'queue-blocked') {
      out.queueBlockedEvents++
      const code = blockedReasonCode(e.statusReason)
      q.blockedByReason[code] = (q.blockedByReason[code] ?? 0) + 1
      continue
    }
    const key = `${e.jobId}|${e.status}|${e.attempt}`
    if (transitions.has(key)) continue
    transitions.add(key)
    out.stateChangeEvents++
    q.transitionsByStatus[e.status] = (q.transitionsByStatus[e.status] ?? 0) + 1
    if (!isTerminal(e.status)) continue
    const row = rowOf(e)
    out.rows.set(e.jobId, row)
    if (e.isArrayParent) {
      q.arrayParents++
      continue
    }
    q.jobs++
    if (e.status === 'SUCCEEDED') q.succeeded++
    else q.failed++
    if (e.status === 'FAILED' && e.attempts.length === 0) q.cancelled++
    if (e.kind === 'service') q.serviceJobs++
    if (e.attempts.length > 0) q.retriedAttempts += e.attempts.length - 1
    q.billedSeconds += row.billed_s!
    q.vcpuSeconds += row.vcpu_seconds!
    q.memoryGibSeconds += row.memory_gib_seconds!
    q.gpuSeconds += row.gpu_seconds!
    if (row.wait_s !== null) {
      q.waitSecondsSum += row.wait_s!
      q.waitCount++
    }
    if (row.run_s !== null) {
      q.runSecondsSum += row.run_s!
      q.runCount++
    }
  }
  return out
}

const SUMS = ['vcpuSeconds', 'memoryGibSeconds', 'gpuSeconds', 'billedSeconds', 'waitSecondsSum', 'runSecondsSum'] as const

/** Differences between the truth and a recomputation; sums compare to 1e-9 relative. */
function differences(truth: GroundTruth, got: Recomputed): string[] {
  const diffs: string[] = []
  const names = new Set([...Object.keys(truth.queues), ...Object.keys(got.queues)])
  for (const name of names) {
    const want = truth.queues[name] ?? createQueueTruth()
    const have = got.queues[name] ?? createQueueTruth()
    for (const key of Object.keys(want) as (keyof QueueTruth)[]) {
      const a = want[key]
      const b = have[key]
      if (typeof a === 'number' && typeof b === 'number') {
        const close = (SUMS as readonly string[]).includes(key) ? Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a)) : a === b
        if (!close) diffs.push(`${name}.${key}: truth ${a}, recomputed ${b}`)
      } else if (JSON.stringify(sorted(a as Record<string, number>)) !== JSON.stringify(sorted(b as Record<string, number>))) {
        diffs.push(`${name}.${key}: truth ${JSON.stringify(a)}, recomputed ${JSON.stringify(b)}`)
      }
    }
  }
  if (truth.stateChangeEvents !== got.stateChangeEvents) diffs.push(`stateChangeEvents ${truth.stateChangeEvents} vs ${got.stateChangeEvents}`)
  if (truth.queueBlockedEvents !== got.queueBlockedEvents) diffs.push(`queueBlockedEvents ${truth.queueBlockedEvents} vs ${got.queueBlockedEvents}`)
  if (truth.uniqueEvents !== got.stateChangeEvents + got.queueBlockedEvents) diffs.push('uniqueEvents')
  if (truth.malformed !== got.invalid) diffs.push(`malformed ${truth.malformed} vs invalid ${got.invalid}`)
  if (truth.cloudtrail !== got.skipped) diffs.push(`cloudtrail ${truth.cloudtrail} vs skipped ${got.skipped}`)
  return diffs
}

const FLOAT_COLUMNS = ['wait_s', 'run_s', 'billed_s', 'vcpu_seconds', 'memory_gib_seconds', 'gpu_seconds'] as const
const pick = (row: Partial<JobTruth>): Partial<JobTruth> => Object.fromEntries(FLOAT_COLUMNS.map((k) => [k, row[k]]))

const sorted = (o: Record<string, number>): [string, number][] => Object.entries(o).sort(([a], [b]) => a.localeCompare(b))

describe('ground truth', () => {
  const workload = generateWorkload({ jobs: 5000, seed: 2024, duplicates: 0.15, reorder: 0.2, malformed: 0.02 })
  const got = recompute(workload.records)

  it('equals a recomputation from the records, per queue and overall', () => {
    expect(differences(workload.truth, got)).toEqual([])
    expect(workload.truth.records).toBe(workload.records.length)
    expect(workload.truth.records).toBe(
      workload.truth.uniqueEvents + workload.truth.duplicatesSameId + workload.truth.duplicatesNewId + workload.truth.malformed + workload.truth.cloudtrail,
    )
  })

  it('notices a wrong truth', () => {
    const wrong = structuredClone(workload.truth)
    wrong.queues['spot-ec2']!.vcpuSeconds *= 1.000001
    wrong.queues.fargate!.cancelled += 1
    expect(differences(wrong, got)).toEqual([expect.stringContaining('spot-ec2.vcpuSeconds'), expect.stringContaining('fargate.cancelled')])
  })

  it('gives every finished job its expected jobs row', () => {
    expect(workload.jobsTruth.size).toBe(got.rows.size)
    for (const [id, row] of got.rows) {
      const want = workload.jobsTruth.get(id)
      expect(want, id).toBeDefined()
      const { num_nodes: _nodes, ...comparable } = want!
      // Float columns depend on summation order: equal to 1e-9 relative.
      for (const key of FLOAT_COLUMNS) {
        const a = comparable[key]
        const b = row[key]
        if (a === null || b === null) expect(b, `${id} ${key}`).toBe(a)
        else expect(Math.abs(a - b!), `${id} ${key}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(a)))
      }
      expect({ ...row, ...pick(comparable) }, id).toEqual(comparable)
    }
  })

  it('covers every queue and the interesting cases', () => {
    const t = workload.truth
    for (const name of ['ondemand-ec2', 'spot-ec2', 'fargate', 'gpu-training', 'sagemaker-training']) {
      const q = t.queues[name]!
      expect(q.jobs, name).toBeGreaterThan(0)
      expect(q.succeeded + q.failed).toBe(q.jobs)
      expect(Object.values(q.transitionsByStatus).reduce((a, b) => a + b, 0)).toBeGreaterThan(q.jobs)
    }
    expect(t.queues['gpu-training']!.gpuSeconds).toBeGreaterThan(0)
    expect(t.queues['sagemaker-training']!.vcpuSeconds).toBe(0)
    expect(t.queues['sagemaker-training']!.serviceJobs).toBe(t.queues['sagemaker-training']!.jobs)
    expect(t.queues['spot-ec2']!.retriedAttempts).toBeGreaterThan(t.queues['ondemand-ec2']!.retriedAttempts / 2)
    expect(t.queues['spot-ec2']!.arrayParents).toBeGreaterThan(0)
    expect(t.queues['gpu-training']!.blockedByReason['CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY']).toBeGreaterThan(0)
    expect(t.jobsByStatus.SUCCEEDED! + t.jobsByStatus.FAILED!).toBe(Object.values(t.queues).reduce((a, q) => a + q.jobs, 0))
    // Means that look like real traffic: waits of minutes, longer on gpu than on demand.
    const meanWait = (q: QueueTruth): number => q.waitSecondsSum / q.waitCount
    expect(meanWait(t.queues['gpu-training']!)).toBeGreaterThan(meanWait(t.queues['ondemand-ec2']!))
    expect(meanWait(t.queues['ondemand-ec2']!)).toBeGreaterThan(5)
  })
})
