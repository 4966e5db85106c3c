import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseBatchEvent, parseBatchEventJson } from './parseBatchEvent.js'

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/aws-docs')
const load = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>
const event = (raw: unknown) => {
  const out = parseBatchEvent(raw)
  if (out.outcome !== 'event') throw new Error(`expected an event, got ${JSON.stringify(out)}`)
  return out.event
}
const withDetail = (name: string, patch: Record<string, unknown>) => {
  const raw = load(name)
  return { ...raw, detail: { ...(raw.detail as object), ...patch } }
}

describe('parseBatchEvent on the AWS documentation samples', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'))

  it.each(files)('%s parses as an event', (file) => {
    expect(parseBatchEvent(load(file)).outcome).toBe('event')
  })

  it('reads the legacy 2018 shape: numeric vcpus/memory, no jobArn', () => {
    const e = event(load('job-state-change-runnable__user-guide-2018-vcpus-memory.json'))
    expect(e).toMatchObject({ type: 'job-state', kind: 'batch', jobQueue: 'HighPriority', jobDefinition: 'first-run-job-definition:1', vcpus: 2, memoryMib: 2000, gpus: null, jobArn: null, attempt: 0, status: 'RUNNABLE' })
  })

  it('reads resourceRequirements string values and an empty platformCapabilities', () => {
    const e = event(load('job-queue-blocked__user-guide-current__clean.json'))
    expect(e).toMatchObject({ type: 'queue-blocked', jobQueue: 'PexjEHappyPathCanary2JobQueue', status: 'RUNNABLE' })
    const s = event(withDetail('job-queue-blocked__user-guide-current__clean.json', {}))
    expect(s.type).toBe('queue-blocked')
    const state = event({ ...load('job-queue-blocked__user-guide-current__clean.json'), 'detail-type': 'Batch Job State Change' })
    expect(state).toMatchObject({ vcpus: 2, memoryMib: 256, platform: null })
  })

  it('reads attempts, exit code and times of a real SUCCEEDED event', () => {
    const e = event(load('job-state-change-succeeded__qiita-2017-real-masked__clean.json'))
    expect(e).toMatchObject({ status: 'SUCCEEDED', attempt: 1, exitCode: 0, createdAt: 1509078431202, startedAt: 1509078455720, stoppedAt: 1509078493270, vcpus: 1, memoryMib: 512 })
    expect(e.type === 'job-state' && e.attempts[0]).toEqual({ startedAt: 1509078455720, stoppedAt: 1509078493270, exitCode: 0, statusReason: 'Essential container in task exited' })
  })

  it('marks service jobs and keeps their SageMaker attempts', () => {
    const e = event(load('service-job-state-change-succeeded__user-guide-current__clean.json'))
    expect(e).toMatchObject({ type: 'job-state', kind: 'service', status: 'SUCCEEDED', attempt: 1, jobQueue: 'HappyPathJobQueue', vcpus: null })
  })
})

describe('parseBatchEvent on other shapes', () => {
  const base = 'job-state-change-runnable__user-guide-2022.json'

  it('skips CloudTrail API calls and other aws.batch detail-types', () => {
    expect(parseBatchEvent({ source: 'aws.batch', 'detail-type': 'AWS API Call via CloudTrail', detail: {} })).toEqual({ outcome: 'skipped', detailType: 'AWS API Call via CloudTrail' })
  })

  it('tolerates unknown properties', () => {
    expect(parseBatchEvent(withDetail(base, { somethingNew: { deep: [1, 2] } })).outcome).toBe('event')
  })

  it('reads fractional Fargate vCPUs, GPUs, array children and tags', () => {
    const e = event(
      withDetail(base, {
        jobId: 'abc:7',
        platformCapabilities: ['FARGATE'],
        arrayProperties: { index: 7 },
        tags: { team: 'genomics' },
        container: { resourceRequirements: [{ type: 'VCPU', value: '0.25' }, { type: 'MEMORY', value: '512' }, { type: 'GPU', value: '1' }], runtimePlatform: { cpuArchitecture: 'ARM64' } },
      }),
    )
    expect(e).toMatchObject({ platform: 'FARGATE', vcpus: 0.25, memoryMib: 512, gpus: 1, arrayParentId: 'abc', arrayIndex: 7, isArrayParent: false, tags: { team: 'genomics' }, cpuArchitecture: 'ARM64' })
  })

  it('reads EKS pod resources as Kubernetes quantities', () => {
    const e = event(withDetail(base, { container: undefined, eksProperties: { podProperties: { containers: [{ resources: { limits: { cpu: '500m', memory: '2Gi', 'nvidia.com/gpu': '1' } } }] } } }))
    expect(e).toMatchObject({ vcpus: 0.5, memoryMib: 2048, gpus: 1 })
  })

  it.each([
    [{ jobId: undefined }, 'detail.jobId', /missing/],
    [{ status: 'DONE' }, 'detail.status', /one of/],
    [{ createdAt: 'yesterday' }, 'detail.createdAt', /epoch milliseconds/],
    [{ attempts: {} }, 'detail.attempts', /array/],
    [{ container: { resourceRequirements: [{ type: 'VCPU', value: 'lots' }] } }, 'detail.container.resourceRequirements[0].value', /non-negative number/],
    [{ tags: { team: 3 } }, 'detail.tags.team', /string/],
  ])('rejects %j naming the field', (patch, field, reason) => {
    const out = parseBatchEvent(withDetail(base, patch))
    expect(out.outcome).toBe('invalid')
    expect(out).toMatchObject({ field })
    expect(out.outcome === 'invalid' && out.reason).toMatch(reason)
  })

  it('rejects bad JSON, a wrong source and a missing detail', () => {
    expect(parseBatchEventJson('{"id": ')).toMatchObject({ outcome: 'invalid', field: '(json)' })
    expect(parseBatchEvent({ ...load(base), source: 'aws.ec2' })).toMatchObject({ outcome: 'invalid', field: 'source' })
    expect(parseBatchEvent({ ...load(base), detail: 'x' })).toMatchObject({ outcome: 'invalid', field: 'detail' })
    expect(parseBatchEvent({ ...load(base), time: 'noon' })).toMatchObject({ outcome: 'invalid', field: 'time' })
  })
})
