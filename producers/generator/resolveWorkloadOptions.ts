import { BatchmeterError, ErrorCode } from '../../core/errors.js'
import type { WorkloadOptions } from './generateWorkload.js'

export type ResolvedWorkloadOptions = Required<WorkloadOptions>

export const WORKLOAD_DEFAULTS = {
  start: Date.UTC(2026, 10, 30),
  durationHours: 24,
  duplicates: 0,
  reorder: 0,
  malformed: 0,
  cloudtrail: 0.03,
  account: '123456789012',
  region: 'us-east-1',
  jobsTruth: true,
} as const

function fail(key: string, value: unknown, expected: string): never {
  throw new BatchmeterError(ErrorCode.Config, `workload option ${key} must be ${expected}, got ${JSON.stringify(value)}`, { context: { key, value } })
}

/** Applies the defaults and rejects a bad value with a message naming it. */
export function resolveWorkloadOptions(options: WorkloadOptions): ResolvedWorkloadOptions {
  const o: ResolvedWorkloadOptions = { ...WORKLOAD_DEFAULTS, ...stripUndefined(options), jobs: options.jobs, seed: options.seed }
  if (!Number.isSafeInteger(o.jobs) || o.jobs < 0) fail('jobs', o.jobs, 'a non-negative integer')
  if (!Number.isFinite(o.seed)) fail('seed', o.seed, 'a finite number')
  if (!Number.isFinite(o.start)) fail('start', o.start, 'epoch milliseconds')
  if (!Number.isFinite(o.durationHours) || o.durationHours <= 0) fail('durationHours', o.durationHours, 'a positive number of hours')
  for (const key of ['duplicates', 'reorder', 'malformed', 'cloudtrail'] as const) {
    const v = o[key]
    if (!(typeof v === 'number' && v >= 0 && v <= 1)) fail(key, v, 'a rate between 0 and 1')
  }
  if (!/^\d{12}$/.test(o.account)) fail('account', o.account, 'a 12-digit AWS account id')
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(o.region)) fail('region', o.region, 'an AWS region such as us-east-1')
  return o
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
