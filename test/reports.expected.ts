/**
 * What each canned report must return, computed in TypeScript from the generator's
 * per-job truth rows (producers/generator/groundTruth.ts) and the price table — an
 * independent path from the SQL under test.
 */
import { estimateCost, pricingClassFor, type PriceTable } from '../core/priceTable.js'
import type { JobTruth } from '../producers/generator/groundTruth.js'

export type Expected = Record<string, unknown>

export interface Scope {
  from: string
  to: string
  queues: readonly string[]
  prices: PriceTable
  tagKey: string
}

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10)

/** Finished, non-parent jobs in scope (stop date in range, queue kept). */
export function inScope(jobs: Iterable<JobTruth>, s: Scope): JobTruth[] {
  return [...jobs].filter((j) => !j.is_array_parent && day(j.stopped_at) >= s.from && day(j.stopped_at) <= s.to && (s.queues.length === 0 || s.queues.includes(j.job_queue)))
}

function groupBy<K extends string>(jobs: readonly JobTruth[], key: (j: JobTruth) => Record<K, unknown>): Map<string, { key: Record<K, unknown>; jobs: JobTruth[] }> {
  const out = new Map<string, { key: Record<K, unknown>; jobs: JobTruth[] }>()
  for (const j of jobs) {
    const k = key(j)
    const id = JSON.stringify(k)
    let g = out.get(id)
    if (!g) out.set(id, (g = { key: k, jobs: [] }))
    g.jobs.push(j)
  }
  return out
}

const sum = (xs: readonly JobTruth[], f: (j: JobTruth) => number): number => xs.reduce((a, j) => a + f(j), 0)
const count = (xs: readonly JobTruth[], f: (j: JobTruth) => boolean): number => xs.filter(f).length
const avg = (values: readonly number[]): number | null => (values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length)

/** Linear interpolation between closest ranks (DuckDB's quantile_cont, the local approx_percentile). */
export function quantileCont(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const pos = (sorted.length - 1) * p
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo)
}

const usage = (g: readonly JobTruth[]) => ({
  vcpu_hours: sum(g, (j) => j.vcpu_seconds) / 3600,
  memory_gib_hours: sum(g, (j) => j.memory_gib_seconds) / 3600,
  gpu_hours: sum(g, (j) => j.gpu_seconds) / 3600,
})
const outcomes = (g: readonly JobTruth[]) => ({
  jobs: g.length,
  succeeded: count(g, (j) => j.status === 'SUCCEEDED'),
  failed: count(g, (j) => j.status === 'FAILED'),
})
const cost = (g: readonly JobTruth[], prices: PriceTable): number =>
  sum(g, (j) => estimateCost({ queue: j.job_queue, platform: j.platform, cpuArchitecture: j.cpu_architecture, vcpuSeconds: j.vcpu_seconds, memoryGibSeconds: j.memory_gib_seconds, gpuSeconds: j.gpu_seconds }, prices))
const definition = (j: JobTruth): string => j.job_definition ?? '(service job)'
const waits = (g: readonly JobTruth[]): number[] => g.map((j) => j.wait_s).filter((w): w is number => w !== null)

const rows = <K extends string>(jobs: readonly JobTruth[], key: (j: JobTruth) => Record<K, unknown>, values: (g: JobTruth[]) => Expected): Expected[] =>
  [...groupBy(jobs, key).values()].map((g) => ({ ...g.key, ...values(g.jobs) }))

/** Expected rows per report (order-free; compared by key columns). */
export function expectedReports(all: Iterable<JobTruth>, s: Scope): Record<string, { key: string[]; rows: Expected[] }> {
  const jobs = inScope(all, s)
  return {
    'usage-by-queue': {
      key: ['job_queue'],
      rows: rows(jobs, (j) => ({ job_queue: j.job_queue }), (g) => ({
        ...outcomes(g), ...usage(g), avg_wait_s: avg(waits(g)), p90_wait_s: quantileCont(waits(g), 0.9),
      })),
    },
    'usage-by-definition': {
      key: ['job_queue', 'job_definition'],
      rows: rows(jobs, (j) => ({ job_queue: j.job_queue, job_definition: definition(j) }), (g) => ({
        ...outcomes(g), ...usage(g), avg_run_s: avg(g.map((j) => j.run_s).filter((r): r is number => r !== null)), billed_hours: sum(g, (j) => j.billed_s) / 3600,
      })),
    },
    'usage-by-day': {
      key: ['day', 'job_queue'],
      rows: rows(jobs, (j) => ({ day: day(j.stopped_at), job_queue: j.job_queue }), (g) => ({ ...outcomes(g), ...usage(g) })),
    },
    'cost-by-queue': {
      key: ['job_queue', 'platform', 'pricing_class'],
      rows: rows(
        jobs,
        (j) => ({
          job_queue: j.job_queue,
          platform: j.job_kind === 'service' ? 'SAGEMAKER' : (j.platform ?? 'EC2'),
          pricing_class: j.job_kind === 'service' ? 'not-priced' : pricingClassFor({ queue: j.job_queue, platform: j.platform, cpuArchitecture: j.cpu_architecture }, s.prices),
        }),
        (g) => ({ jobs: g.length, ...usage(g), cost_usd: cost(g, s.prices) }),
      ),
    },
    'cost-by-tag': {
      key: ['tag_value'],
      rows: rows(jobs, (j) => ({ tag_key: s.tagKey, tag_value: j.tags[s.tagKey] ?? '(untagged)' }), (g) => ({ jobs: g.length, ...usage(g), cost_usd: cost(g, s.prices) })),
    },
    'cost-by-share': {
      key: ['share_identifier', 'job_queue'],
      rows: rows(jobs, (j) => ({ share_identifier: j.share_identifier ?? '(no share)', job_queue: j.job_queue }), (g) => ({ jobs: g.length, ...usage(g), cost_usd: cost(g, s.prices) })),
    },
    failures: {
      key: ['job_queue', 'job_definition', 'reason', 'exit_code'],
      rows: rows(
        jobs.filter((j) => j.status === 'FAILED'),
        (j) => ({ job_queue: j.job_queue, job_definition: definition(j), reason: j.status_reason === null ? '(no reason)' : j.status_reason.replace(/i-[0-9a-f]{8,17}/, 'i-…'), exit_code: j.exit_code }),
        (g) => ({ failed_jobs: g.length, never_started: count(g, (j) => j.attempts === 0), vcpu_hours: sum(g, (j) => j.vcpu_seconds) / 3600 }),
      ),
    },
    'wait-time-percentiles': {
      key: ['job_queue'],
      rows: rows(
        jobs.filter((j) => j.wait_s !== null),
        (j) => ({ job_queue: j.job_queue }),
        (g) => ({
          started_jobs: g.length,
          avg_wait_s: avg(waits(g)),
          p50_wait_s: quantileCont(waits(g), 0.5),
          p90_wait_s: quantileCont(waits(g), 0.9),
          p99_wait_s: quantileCont(waits(g), 0.99),
          max_wait_s: Math.max(...waits(g)),
        }),
      ),
    },
    'array-jobs': {
      key: ['array_parent_id'],
      rows: rows(
        jobs.filter((j) => j.array_parent_id !== null),
        (j) => ({ array_parent_id: j.array_parent_id, job_queue: j.job_queue, job_definition: definition(j) }),
        (g) => ({
          children: g.length,
          succeeded: count(g, (j) => j.status === 'SUCCEEDED'),
          failed: count(g, (j) => j.status === 'FAILED'),
          vcpu_hours: sum(g, (j) => j.vcpu_seconds) / 3600,
          memory_gib_hours: sum(g, (j) => j.memory_gib_seconds) / 3600,
          span_s: (Math.max(...g.map((j) => j.stopped_at)) - Math.min(...g.map((j) => j.created_at))) / 1000,
        }),
      ),
    },
    retries: {
      key: ['job_queue', 'job_definition'],
      rows: rows(jobs, (j) => ({ job_queue: j.job_queue, job_definition: definition(j) }), (g) => {
        const retried = g.filter((j) => j.attempts > 1)
        return {
          jobs: g.length,
          retried_jobs: retried.length,
          extra_attempts: sum(retried, (j) => j.attempts - 1),
          retried_then_succeeded: count(retried, (j) => j.status === 'SUCCEEDED'),
          retried_and_failed: count(retried, (j) => j.status === 'FAILED'),
          retried_vcpu_hours: sum(retried, (j) => (j.vcpus ?? 0) * (j.billed_s - (j.run_s ?? 0))) / 3600,
        }
      }).filter((r) => (r.retried_jobs as number) > 0),
    },
  }
}
