import { MetricAccumulator } from './metricAccumulator.js'
import { type MetricsConfig, dimensionsOf } from './metricsConfig.js'
import { MetricName, type MetricDatum } from './metricSet.js'

/** What the pipeline did in one flush or invocation. */
export interface PipelineHealth {
  records: number
  duplicates: number
  deadLetters: number
  /** How far behind the stream's tip the reader is, when known. */
  iteratorAgeMs?: number
}

/** Pipeline-health metrics at processing time `timestamp`; zeros included, so alarms see data. */
export function healthMetrics(health: PipelineHealth, timestamp: number, config: MetricsConfig): MetricDatum[] {
  const acc = new MetricAccumulator()
  const dims = dimensionsOf.pipeline(config)
  acc.sum(MetricName.RecordsIn, dims, timestamp, health.records)
  acc.sum(MetricName.DuplicatesDropped, dims, timestamp, health.duplicates)
  acc.sum(MetricName.DeadLetters, dims, timestamp, health.deadLetters)
  if (health.iteratorAgeMs !== undefined) acc.sample(MetricName.IteratorAgeMs, dims, timestamp, Math.max(0, health.iteratorAgeMs))
  return acc.data()
}
