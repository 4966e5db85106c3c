import type { Logger } from 'pino'
import type { PriceTable } from '../../core/priceTable.js'
import type { CommittedFlush } from '../kinesisConsumer.js'
import type { PipelineCounters } from '../pipeline/processRecords.js'
import { minuteOf } from '../pipeline/queueMinutes.js'
import { type GaugeLevels, gaugeMetrics } from './gaugeLevels.js'
import { healthMetrics } from './healthMetrics.js'
import type { MetricsConfig } from './metricsConfig.js'
import { metricsFromOutput } from './metricsFromOutput.js'
import type { MetricsPublisher } from './metricsPublisher.js'
import type { MetricDatum } from './metricSet.js'
import type { Row } from '../../core/tables.js'

export interface FlushMetricsOptions {
  publisher: MetricsPublisher
  config: MetricsConfig
  prices?: PriceTable
  /** Processing clock. Default Date.now. */
  now?: () => number
  logger?: Pick<Logger, 'warn'>
  /**
   * RUNNABLE / RUNNING levels at start (the recovered job state). Default none: exact
   * on a fresh start; after a restart the levels are off by the jobs in flight at the checkpoint.
   */
  initialGauges?: GaugeLevels
}

/** Adds a drain's gauge deltas (`queue_minutes` runnable_delta / running_delta) to running levels. */
export function addGaugeDeltas(levels: GaugeLevels, queueMinutes: readonly Row[]): void {
  for (const row of queueMinutes) {
    const queue = String(row.job_queue)
    let l = levels.get(queue)
    if (!l) levels.set(queue, (l = { runnable: 0, running: 0 }))
    l.runnable += Number(row.runnable_delta ?? 0)
    l.running += Number(row.running_delta ?? 0)
  }
}

/**
 * The standalone consumer's metrics, published after each committed flush: the
 * queue metrics of what the flush wrote (event time), pipeline health since the last
 * flush (processing time), and — at most once per minute — this worker's gauge
 * levels, so the Sum statistic across workers stays the level.
 */
export function createFlushMetrics(options: FlushMetricsOptions): (flush: CommittedFlush) => Promise<void> {
  const { publisher, config, prices, now = Date.now, logger } = options
  const levels: GaugeLevels = new Map([...(options.initialGauges ?? [])].map(([q, l]) => [q, { ...l }]))
  let previous: Pick<PipelineCounters, 'records' | 'duplicates' | 'deadLetters'> = { records: 0, duplicates: 0, deadLetters: 0 }
  let gaugeMinute = -Infinity
  return async (flush) => {
    const at = now()
    const data: MetricDatum[] = []
    for (const out of flush.outputs) {
      data.push(...metricsFromOutput(out, { config, prices }))
      addGaugeDeltas(levels, out.queueMinutes)
    }
    const lags = Object.values(flush.millisBehindLatest)
    data.push(
      ...healthMetrics(
        {
          records: flush.counters.records - previous.records,
          duplicates: flush.counters.duplicates - previous.duplicates,
          deadLetters: flush.counters.deadLetters - previous.deadLetters,
          ...(lags.length > 0 ? { iteratorAgeMs: Math.max(...lags) } : {}),
        },
        at,
        config,
      ),
    )
    previous = { ...flush.counters }
    if (minuteOf(at) > gaugeMinute) {
      gaugeMinute = minuteOf(at)
      data.push(...gaugeMetrics(levels, gaugeMinute, config))
    }
    const { rejected } = await publisher.publish(data)
    if (rejected.length > 0) logger?.warn({ rejected: rejected.length, reason: rejected[0]!.reason }, 'some metric values are outside what CloudWatch accepts and were not published')
  }
}
