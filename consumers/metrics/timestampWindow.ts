import type { MetricDatum } from './metricSet.js'

/** CloudWatch takes metric timestamps up to two weeks old and up to two hours ahead (EMF and PutMetricData alike). */
export const MAX_METRIC_AGE_MS = 14 * 24 * 3600_000
export const MAX_METRIC_FUTURE_MS = 2 * 3600_000

export interface RejectedDatum {
  datum: MetricDatum
  reason: string
}

export interface TimestampWindowOptions {
  /** Reference clock (ms). Default Date.now(). */
  now?: number
  /** Default 14 days. */
  maxAgeMs?: number
  /** Default 2 hours. */
  maxFutureMs?: number
}

/**
 * Splits data into what CloudWatch will take and what it would reject: timestamps
 * outside the window, values that are not finite numbers. Rejected data carries its
 * reason so the caller can count it and say why.
 */
export function splitPublishable(data: readonly MetricDatum[], options: TimestampWindowOptions = {}): { accepted: MetricDatum[]; rejected: RejectedDatum[] } {
  const { now = Date.now(), maxAgeMs = MAX_METRIC_AGE_MS, maxFutureMs = MAX_METRIC_FUTURE_MS } = options
  const accepted: MetricDatum[] = []
  const rejected: RejectedDatum[] = []
  for (const datum of data) {
    if (datum.timestamp < now - maxAgeMs) rejected.push({ datum, reason: `timestamp ${new Date(datum.timestamp).toISOString()} is older than ${maxAgeMs / 86_400_000} days` })
    else if (datum.timestamp > now + maxFutureMs) rejected.push({ datum, reason: `timestamp ${new Date(datum.timestamp).toISOString()} is more than ${maxFutureMs / 3600_000} h ahead` })
    else if (!datum.values.every(Number.isFinite) || !datum.counts.every((c) => Number.isFinite(c) && c > 0)) rejected.push({ datum, reason: 'a value is not a finite number' })
    else accepted.push(datum)
  }
  return { accepted, rejected }
}
