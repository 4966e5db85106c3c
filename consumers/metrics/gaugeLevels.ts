import { Gauge, type JobEntry } from '../pipeline/jobStateStore.js'
import { MetricAccumulator } from './metricAccumulator.js'
import { type MetricsConfig, dimensionsOf } from './metricsConfig.js'
import { MetricName, type MetricDatum } from './metricSet.js'

export interface GaugeLevel {
  runnable: number
  running: number
}

/** Queue → jobs RUNNABLE and RUNNING. A queue whose jobs are all past both is present with zeros while its entries are kept. */
export type GaugeLevels = Map<string, GaugeLevel>

/** The levels held by a job state (e.g. a JobStateStore snapshot's entries). */
export function gaugeLevelsOf(entries: Iterable<readonly [string, Pick<JobEntry, 'queue' | 'gauge'>]>): GaugeLevels {
  const levels: GaugeLevels = new Map()
  for (const [, e] of entries) {
    let l = levels.get(e.queue)
    if (!l) levels.set(e.queue, (l = { runnable: 0, running: 0 }))
    if (e.gauge === Gauge.Runnable) l.runnable++
    else if (e.gauge === Gauge.Running) l.running++
  }
  return levels
}

/**
 * One RunnableJobs and one RunningJobs value per queue at `timestamp`. A worker
 * publishes these once per minute for its own part of the jobs, so the Sum statistic
 * over a minute, across workers, is the level.
 */
export function gaugeMetrics(levels: GaugeLevels, timestamp: number, config: MetricsConfig): MetricDatum[] {
  const acc = new MetricAccumulator()
  for (const [queue, l] of [...levels].sort(([a], [b]) => a.localeCompare(b))) {
    const dims = dimensionsOf.queue(config, queue)
    acc.sum(MetricName.RunnableJobs, dims, timestamp, l.runnable)
    acc.sum(MetricName.RunningJobs, dims, timestamp, l.running)
  }
  return acc.data()
}
