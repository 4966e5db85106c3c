/**
 * The generated jobs live the way AWS Batch runs them. Each rule is checked on the
 * parsed events, job by job, in delivery order (no reordering, no noise).
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { isTerminal, type JobStateEvent, type QueueBlockedEvent, STATUS_RANK } from '../model/batchEvent.js'
import { blockedReasonCode, parseBatchEventJson } from '../model/parseBatchEvent.js'
import { BLOCKED_REASONS } from './blockedReasons.js'
import { generateWorkload } from './generateWorkload.js'

type Obj = Record<string, unknown>
interface JobEvents {
  states: { event: JobStateEvent; raw: Obj }[]
  blocked: QueueBlockedEvent[]
}

const FARGATE_MEMORY: Record<string, (m: number) => boolean> = {
  '0.25': (m) => [512, 1024, 2048].includes(m),
  '0.5': (m) => m >= 1024 && m <= 4096 && m % 1024 === 0,
  '1': (m) => m >= 2048 && m <= 8192 && m % 1024 === 0,
  '2': (m) => m >= 4096 && m <= 16384 && m % 1024 === 0,
  '4': (m) => m >= 8192 && m <= 30720 && m % 1024 === 0,
}

let jobs: Map<string, JobEvents>

beforeAll(() => {
  const { records } = generateWorkload({ jobs: 6000, seed: 99 })
  jobs = new Map()
  const decoder = new TextDecoder()
  for (const r of records) {
    if (r.kind !== 'event') continue
    const json = decoder.decode(r.data)
    const parsed = parseBatchEventJson(json)
    if (parsed.outcome !== 'event') throw new Error(`unexpected ${parsed.outcome}: ${json.slice(0, 200)}`)
    const e = parsed.event
    const entry = jobs.get(e.jobId) ?? { states: [], blocked: [] }
    jobs.set(e.jobId, entry)
    if (e.type === 'job-state') entry.states.push({ event: e, raw: (JSON.parse(json) as Obj).detail as Obj })
    else entry.blocked.push(e)
  }
})

const all = (): [string, JobEvents][] => [...jobs.entries()]
const last = <T>(xs: readonly T[]): T => xs[xs.length - 1]!

describe('generated job lifecycles', () => {
  it('start at PENDING only with dependencies (or as array parents), never with an event for submission', () => {
    let pending = 0
    for (const [id, { states }] of all()) {
      const first = states[0]!
      expect(first.event.status, id).not.toBe('SUBMITTED')
      const dependsOn = (first.raw.dependsOn as unknown[] | undefined) ?? []
      if (first.event.isArrayParent) expect(first.event.status).toBe('PENDING')
      else if (dependsOn.length > 0) {
        expect(first.event.status, id).toBe('PENDING')
        pending++
      } else expect(first.event.status, id).toBe('RUNNABLE')
      for (const s of states.slice(1)) expect(s.event.status).not.toBe('PENDING')
    }
    expect(pending).toBeGreaterThan(50)
  })

  it('move forward within an attempt and go back to RUNNABLE with one more attempt after a failed one', () => {
    let retried = 0
    for (const [id, { states }] of all()) {
      for (let i = 1; i < states.length; i++) {
        const a = states[i - 1]!.event
        const b = states[i]!.event
        if (b.attempt === a.attempt) {
          expect(STATUS_RANK[b.status], `${id} ${a.status}→${b.status}`).toBeGreaterThan(STATUS_RANK[a.status])
        } else {
          expect(b.attempt, id).toBe(a.attempt + 1)
          expect(a.status, id).toBe('RUNNING')
          expect(['RUNNABLE', 'SUCCEEDED', 'FAILED'], id).toContain(b.status)
          if (b.status === 'RUNNABLE') retried++
        }
        expect(b.eventTime).toBeGreaterThanOrEqual(a.eventTime)
      }
      const terminal = states.filter((s) => isTerminal(s.event.status))
      expect(terminal, id).toHaveLength(1)
      expect(last(states).event.status).toBe(terminal[0]!.event.status)
    }
    expect(retried).toBeGreaterThan(20)
  })

  it('record an attempt once it has ended, with start before stop, one after the other', () => {
    for (const [id, { states }] of all()) {
      const end = last(states).event
      const retry = (last(states).raw.retryStrategy as Obj | undefined)?.attempts as number | undefined
      if (retry !== undefined) expect(end.attempts.length, id).toBeLessThanOrEqual(retry)
      let previousStop = end.createdAt!
      for (const a of end.attempts) {
        expect(a.startedAt!).toBeGreaterThan(previousStop)
        expect(a.stoppedAt!).toBeGreaterThan(a.startedAt!)
        previousStop = a.stoppedAt!
      }
      for (const { event } of states) {
        if (event.status === 'RUNNING' && !event.isArrayParent) {
          expect(event.startedAt, id).toBe(last(states).event.attempts[event.attempt]?.startedAt)
          expect(event.eventTime).toBe(Math.floor(event.startedAt! / 1000) * 1000)
        }
      }
      if (end.attempts.length > 0) {
        expect(end.startedAt).toBe(last(end.attempts).startedAt)
        expect(end.stoppedAt).toBe(last(end.attempts).stoppedAt)
      }
      expect(end.eventTime).toBe(Math.floor(end.stoppedAt! / 1000) * 1000)
      expect(states[0]!.event.eventTime).toBeGreaterThanOrEqual(Math.floor(end.createdAt! / 1000) * 1000)
    }
  })

  it('end with exit code 0 on success and a non-zero (or no) exit code on failure', () => {
    let hostTerminated = 0
    for (const [id, { states }] of all()) {
      const end = last(states).event
      if (end.isArrayParent || end.kind === 'service' || end.attempts.length === 0) continue
      if (end.status === 'SUCCEEDED') expect(end.exitCode, id).toBe(0)
      else expect(end.exitCode, id).not.toBe(0)
      for (const a of end.attempts.slice(0, -1)) {
        expect(a.exitCode).not.toBe(0)
        if (a.statusReason?.startsWith('Host EC2 (instance i-')) {
          hostTerminated++
          expect(a.exitCode).toBeNull()
          expect(end.jobQueue).toBe('spot-ec2')
        }
      }
    }
    expect(hostTerminated).toBeGreaterThan(10)
  })

  it('cancel some jobs before they start: FAILED with no attempts and no startedAt', () => {
    const reasons = new Set<string>()
    for (const [id, { states }] of all()) {
      const end = last(states).event
      if (end.status !== 'FAILED' || end.isArrayParent || end.attempts.length > 0) continue
      expect(end.startedAt, id).toBeNull()
      expect(['RUNNABLE', 'PENDING']).toContain(states[states.length - 2]!.event.status)
      reasons.add(end.statusReason!.replace(/: .*/, ''))
    }
    expect(reasons).toContain('Cancelled by user')
    expect(reasons).toContain('Canceled by JobStateTimeLimit action due to reason')
    expect(reasons).toContain('Dependent Job failed')
  })

  it('name array children <parent>:<index> and close the parent after its last child', () => {
    const parents = all().filter(([, j]) => j.states[0]!.event.isArrayParent)
    expect(parents.length).toBeGreaterThan(5)
    for (const [id, { states }] of parents) {
      const end = last(states).event
      const size = end.arraySize!
      expect(end.attempts).toHaveLength(0)
      let allSucceeded = true
      for (let index = 0; index < size; index++) {
        const child = jobs.get(`${id}:${index}`)
        expect(child, `${id}:${index}`).toBeDefined()
        const childEnd = last(child!.states).event
        expect(childEnd.arrayParentId).toBe(id)
        expect(childEnd.arrayIndex).toBe(index)
        expect(childEnd.isArrayParent).toBe(false)
        expect(end.eventTime).toBeGreaterThanOrEqual(childEnd.eventTime)
        allSucceeded &&= childEnd.status === 'SUCCEEDED'
      }
      expect(jobs.has(`${id}:${size}`)).toBe(false)
      expect(end.status).toBe(allSucceeded ? 'SUCCEEDED' : 'FAILED')
    }
  })

  it('send queue-blocked events for RUNNABLE jobs, with AWS reasons, mostly capacity on gpu and spot', () => {
    const byQueue: Record<string, Record<string, number>> = {}
    for (const [id, { states, blocked }] of all()) {
      for (const b of blocked) {
        expect(b.status).toBe('RUNNABLE')
        const code = blockedReasonCode(b.statusReason)
        expect(Object.keys(BLOCKED_REASONS)).toContain(code)
        expect(b.reason).toBe(code)
        expect(b.statusReason.startsWith(`${code} - `)).toBe(true)
        const before = states.filter((s) => s.event.eventTime <= b.eventTime)
        expect(last(before).event.status, id).toBe('RUNNABLE')
        const q = (byQueue[b.jobQueue] ??= {})
        q[code] = (q[code] ?? 0) + 1
      }
    }
    for (const queue of ['gpu-training', 'spot-ec2']) {
      const counts = byQueue[queue]!
      const total = Object.values(counts).reduce((a, b) => a + b, 0)
      expect(counts['CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY']! / total).toBeGreaterThan(0.6)
    }
    expect(Object.keys(byQueue)).toContain('sagemaker-training')
  })

  it('run SageMaker service jobs through SCHEDULED, with training job attempts and no resources', () => {
    const service = all().filter(([, j]) => j.states[0]!.event.kind === 'service')
    expect(service.length).toBeGreaterThan(20)
    for (const [, { states }] of service) {
      const end = last(states).event
      expect(end.jobQueue).toBe('sagemaker-training')
      expect([end.vcpus, end.memoryMib, end.gpus]).toEqual([null, null, null])
      const raw = last(states).raw
      expect(raw.serviceJobType).toBe('SAGEMAKER_TRAINING')
      for (const a of raw.attempts as Obj[]) expect((a.serviceResourceId as Obj).name).toBe('TrainingJobArn')
      for (let i = 0; i < states.length; i++) {
        if (states[i]!.event.status === 'STARTING') expect(states[i - 1]!.event.status).toBe('SCHEDULED')
      }
    }
  })

  it('ask for resources the way each queue allows', () => {
    const seen = { legacy: 0, emptyCaps: 0, arm: 0, gpus: new Set<number>() }
    for (const [id, { states }] of all()) {
      const { event, raw } = last(states)
      const container = raw.container as Obj | undefined
      if (event.jobQueue === 'fargate') {
        expect(event.platform).toBe('FARGATE')
        const check = FARGATE_MEMORY[String(event.vcpus)]
        expect(check, `${id} vcpus ${event.vcpus}`).toBeDefined()
        expect(check!(event.memoryMib!), `${id} ${event.vcpus} vCPU / ${event.memoryMib} MiB`).toBe(true)
        expect(['X86_64', 'ARM64']).toContain(event.cpuArchitecture)
        if (event.cpuArchitecture === 'ARM64') seen.arm++
      } else if (event.kind === 'batch') {
        expect(event.platform === 'EC2' || event.platform === null).toBe(true)
        if (typeof container?.vcpus === 'number') seen.legacy++
        if ((raw.platformCapabilities as unknown[]).length === 0) seen.emptyCaps++
      }
      if (event.jobQueue === 'gpu-training') seen.gpus.add(event.gpus!)
      else expect(event.gpus).toBeNull()
    }
    expect(seen.legacy).toBeGreaterThan(100)
    expect(seen.emptyCaps).toBeGreaterThan(100)
    expect(seen.arm).toBeGreaterThan(50)
    expect([...seen.gpus].sort()).toEqual([1, 4, 8])
  })

  it('carry fair-share identifiers on the fair-share queues and team tags on most jobs', () => {
    let tagged = 0
    let batch = 0
    for (const [, { states }] of all()) {
      const e = last(states).event
      const fairShare = ['spot-ec2', 'gpu-training', 'sagemaker-training'].includes(e.jobQueue)
      expect(e.shareIdentifier !== null).toBe(fairShare)
      if (fairShare) expect(e.schedulingPriority).not.toBeNull()
      if (e.kind === 'batch') {
        batch++
        if (e.tags.team !== undefined && e.tags['cost-center'] !== undefined && e.tags.project !== undefined) tagged++
      }
    }
    expect(tagged / batch).toBeGreaterThan(0.8)
  })
})
