import type { PriceTable } from '../../core/priceTable.js'
import type { PipelineCounters, PipelineOutput } from '../pipeline/processRecords.js'
import { GaugeTimeline } from './gaugeTimeline.js'
import { healthMetrics } from './healthMetrics.js'
import type { MetricsConfig } from './metricsConfig.js'
import { metricsFromOutput } from './metricsFromOutput.js'
import type { MetricsPublisher } from './metricsPublisher.js'

export interface ReplayMetricsOptions {
  publisher: MetricsPublisher
  config: MetricsConfig
  prices?: PriceTable
  /** Processing clock, for the pipeline-health timestamps. Default Date.now. */
  now?: () => number
}

export interface ReplayMetricsSummary {
  published: number
  rejected: number
  /** The first rejection's reason, to show the user. */
  firstRejection?: string
}

export interface ReplayMetrics {
  /** After each flush of a replay: its queue metrics and pipeline health. */
  onFlushed(output: PipelineOutput, counters: Readonly<PipelineCounters>): Promise<void>
  /** After the last flush: the gauge timeline over the whole replay; closes the publisher. */
  finish(): Promise<ReplayMetricsSummary>
}

/**
 * Metrics of a file replay (`batchmeter ingest --metrics-out`): per flush, the same
 * queue metrics as the live consumers; at the end, the gauges at every minute of the
 * replayed events (a replay's "now" is the events' own time).
 */
export function createReplayMetrics(options: ReplayMetricsOptions): ReplayMetrics {
  const { publisher, config, prices, now = Date.now } = options
  const timeline = new GaugeTimeline()
  const summary: ReplayMetricsSummary = { published: 0, rejected: 0 }
  let previous = { records: 0, duplicates: 0, deadLetters: 0 }
  const publish = async (data: Parameters<MetricsPublisher['publish']>[0]): Promise<void> => {
    const result = await publisher.publish(data)
    summary.published += result.published
    summary.rejected += result.rejected.length
    summary.firstRejection ??= result.rejected[0]?.reason
  }
  return {
    async onFlushed(output, counters) {
      timeline.add(output.queueMinutes)
      const health = { records: counters.records - previous.records, duplicates: counters.duplicates - previous.duplicates, deadLetters: counters.deadLetters - previous.deadLetters }
      previous = { records: counters.records, duplicates: counters.duplicates, deadLetters: counters.deadLetters }
      await publish([...metricsFromOutput(output, { config, prices }), ...healthMetrics(health, now(), config)])
    },
    async finish() {
      await publish(timeline.data(config))
      await publisher.close?.()
      return summary
    },
  }
}
