import { packBatches } from '../../core/packBatches.js'
import type { MetricDatum as SdkMetricDatum } from '@aws-sdk/client-cloudwatch'
import type { MetricDatum } from './metricSet.js'

/** PutMetricData limits: per request, per datum. */
export const PUT_METRIC_DATA_LIMITS = {
  datumsPerRequest: 1000,
  /** The API takes 1 MB per request; requests are planned to stay under this estimate of the JSON body. */
  bytesPerRequest: 900_000,
  valuesPerDatum: 150,
} as const

/** One datum as the SDK takes it; distributions as Values/Counts, at most 150 distinct values. */
function sdkDatums(datum: MetricDatum): SdkMetricDatum[] {
  const Dimensions = Object.entries(datum.dimensions).map(([Name, Value]) => ({ Name, Value }))
  const base = { MetricName: datum.name, Dimensions, Timestamp: new Date(datum.timestamp), Unit: datum.unit }
  if (datum.values.length === 1 && datum.counts[0] === 1) return [{ ...base, Value: datum.values[0] }]
  const merged = new Map<number, number>()
  datum.values.forEach((v, i) => merged.set(v, (merged.get(v) ?? 0) + (datum.counts[i] ?? 1)))
  const pairs = [...merged]
  const out: SdkMetricDatum[] = []
  for (let i = 0; i < pairs.length; i += PUT_METRIC_DATA_LIMITS.valuesPerDatum) {
    const slice = pairs.slice(i, i + PUT_METRIC_DATA_LIMITS.valuesPerDatum)
    out.push({ ...base, Values: slice.map(([v]) => v), Counts: slice.map(([, c]) => c) })
  }
  return out
}

/** The JSON size of a datum on the wire, roughly (timestamps as epoch seconds). */
const sizeOf = (d: SdkMetricDatum): number => JSON.stringify({ ...d, Timestamp: 1_700_000_000.123 }).length + 1

/**
 * Packs metric data into PutMetricData requests within the API limits: at most
 * 1,000 datums and about 1 MB per request, at most 150 distinct values per datum
 * (a larger distribution becomes several datums, which CloudWatch adds up).
 */
export function planPutMetricData(data: readonly MetricDatum[]): SdkMetricDatum[][] {
  return packBatches(data.flatMap(sdkDatums), sizeOf, { maxItems: PUT_METRIC_DATA_LIMITS.datumsPerRequest, maxBytes: PUT_METRIC_DATA_LIMITS.bytesPerRequest })
}
