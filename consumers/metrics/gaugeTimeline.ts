import type { Row } from '../../core/tables.js'
import { MetricAccumulator } from './metricAccumulator.js'
import { type MetricsConfig, dimensionsOf } from './metricsConfig.js'
import { MetricName, type MetricDatum } from './metricSet.js'

const MINUTE = 60_000

/**
 * Gauges for a replay (`batchmeter ingest`), where "now" walks through the events'
 * own times: the RUNNABLE and RUNNING levels at the end of every minute from a
 * queue's first event to the replay's last minute, from the `queue_minutes` gauge
 * deltas. One worker, one value per queue-minute, so Sum is the level. Minutes where
 * a queue's level is zero and did not change are left out.
 */
export class GaugeTimeline {
  /** queue → minute → [runnable delta, running delta] */
  private readonly deltas = new Map<string, Map<number, [number, number]>>()

  add(queueMinutes: readonly Row[]): void {
    for (const row of queueMinutes) {
      const runnable = Number(row.runnable_delta ?? 0)
      const running = Number(row.running_delta ?? 0)
      const queue = String(row.job_queue)
      let q = this.deltas.get(queue)
      if (!q) this.deltas.set(queue, (q = new Map()))
      const minute = Number(row.minute)
      const d = q.get(minute) ?? [0, 0]
      d[0] += runnable
      d[1] += running
      q.set(minute, d)
    }
  }

  data(config: MetricsConfig): MetricDatum[] {
    let last = -Infinity
    for (const q of this.deltas.values()) for (const m of q.keys()) last = Math.max(last, m)
    const acc = new MetricAccumulator()
    for (const [queue, q] of [...this.deltas].sort(([a], [b]) => a.localeCompare(b))) {
      const dims = dimensionsOf.queue(config, queue)
      let runnable = 0
      let running = 0
      for (let m = Math.min(...q.keys()); m <= last; m += MINUTE) {
        const d = q.get(m)
        if (d) {
          runnable += d[0]
          running += d[1]
        }
        if (!d && runnable === 0 && running === 0) continue
        acc.sum(MetricName.RunnableJobs, dims, m, runnable)
        acc.sum(MetricName.RunningJobs, dims, m, running)
      }
    }
    return acc.data()
  }
}
