import type { Row } from '../../core/tables.js'
import { DEFAULT_PRICES, type PriceTable, estimateCost } from '../../core/priceTable.js'
import type { FinishedJob } from '../pipeline/processRecords.js'
import { minuteOf } from '../pipeline/queueMinutes.js'
import { MetricAccumulator } from './metricAccumulator.js'
import { type MetricsConfig, dimensionsOf } from './metricsConfig.js'
import { MetricName, type MetricDatum } from './metricSet.js'

/** What one drain of the pipeline produced that metrics are made of. */
export interface MetricsInput {
  queueMinutes: readonly Row[]
  finished: readonly FinishedJob[]
}

export interface MetricsFromOutputOptions {
  config: MetricsConfig
  /** Default DEFAULT_PRICES. */
  prices?: PriceTable
}

const num = (v: Row[string] | undefined): number => (typeof v === 'number' ? v : 0)

/**
 * The per-queue metrics of one drain, all at their events' own minute: counts and
 * blocked reasons from the `queue_minutes` rows; successes, failures, usage, cost and
 * the wait/run distributions from the finished jobs (per queue, and per job
 * definition when configured). Values that are zero are left out, except that
 * JobsSucceeded and JobsFailed go together so a failure rate is always defined.
 */
export function metricsFromOutput(input: MetricsInput, options: MetricsFromOutputOptions): MetricDatum[] {
  const { config, prices = DEFAULT_PRICES } = options
  const acc = new MetricAccumulator()
  const nonZero = (name: MetricName, dims: Record<string, string>, t: number, v: number): void => {
    if (v !== 0) acc.sum(name, dims, t, v)
  }

  for (const row of input.queueMinutes) {
    const t = num(row.minute)
    const queue = String(row.job_queue)
    const dims = dimensionsOf.queue(config, queue)
    nonZero(MetricName.JobsSubmitted, dims, t, num(row.jobs_submitted))
    nonZero(MetricName.JobsStarted, dims, t, num(row.to_running))
    nonZero(MetricName.QueueBlocked, dims, t, num(row.blocked_events))
    const byReason = (row.blocked_by_reason ?? {}) as Readonly<Record<string, string | number>>
    for (const [reason, n] of Object.entries(byReason)) nonZero(MetricName.QueueBlocked, dimensionsOf.reason(config, queue, reason), t, Number(n))
  }

  for (const job of input.finished) {
    const t = minuteOf(job.time)
    const cost = estimateCost(
      {
        queue: job.queue,
        platform: job.platform,
        cpuArchitecture: job.cpuArchitecture,
        vcpuSeconds: job.usage.vcpuSeconds,
        memoryGibSeconds: job.usage.memoryGibSeconds,
        gpuSeconds: job.usage.gpuSeconds,
      },
      prices,
    )
    const sets = [dimensionsOf.queue(config, job.queue)]
    if (config.byDefinition) sets.push(dimensionsOf.definition(config, job.queue, job.definition))
    for (const dims of sets) {
      acc.sum(MetricName.JobsSucceeded, dims, t, job.status === 'SUCCEEDED' ? 1 : 0)
      acc.sum(MetricName.JobsFailed, dims, t, job.status === 'SUCCEEDED' ? 0 : 1)
      nonZero(MetricName.RetriedAttempts, dims, t, Math.max(0, job.attempts - 1))
      if (job.usage.waitS !== null) acc.sample(MetricName.WaitTime, dims, t, job.usage.waitS)
      if (job.usage.runS !== null) acc.sample(MetricName.RunTime, dims, t, job.usage.runS)
      nonZero(MetricName.VcpuSeconds, dims, t, job.usage.vcpuSeconds)
      nonZero(MetricName.MemoryGiBSeconds, dims, t, job.usage.memoryGibSeconds)
      nonZero(MetricName.GpuSeconds, dims, t, job.usage.gpuSeconds)
      nonZero(MetricName.EstimatedCost, dims, t, cost)
    }
  }
  return acc.data()
}
