import { METRIC_SET, type MetricDatum, type MetricName } from './metricSet.js'

interface Slot {
  datum: MetricDatum
  /** value → its index in datum.values (samples only). */
  index: Map<number, number> | null
}

/**
 * Collects metric data keyed by (name, dimensions, timestamp): `sum` keeps one running
 * total, `sample` keeps each distinct value with its count (a distribution).
 */
export class MetricAccumulator {
  private readonly slots = new Map<string, Slot>()

  private slot(name: MetricName, dimensions: Readonly<Record<string, string>>, timestamp: number, sample: boolean): Slot {
    const key = `${name}\u0000${timestamp}\u0000${JSON.stringify(Object.entries(dimensions))}`
    let s = this.slots.get(key)
    if (!s) {
      const datum: MetricDatum = { name, unit: METRIC_SET[name].unit, dimensions, timestamp, values: sample ? [] : [0], counts: sample ? [] : [1] }
      s = { datum, index: sample ? new Map() : null }
      this.slots.set(key, s)
    }
    return s
  }

  /** Adds `value` to the one total of this metric, dimensions and timestamp. */
  sum(name: MetricName, dimensions: Readonly<Record<string, string>>, timestamp: number, value: number): void {
    const s = this.slot(name, dimensions, timestamp, false)
    s.datum.values[0] = (s.datum.values[0] ?? 0) + value
  }

  /** Records one occurrence of `value` in this metric's distribution. */
  sample(name: MetricName, dimensions: Readonly<Record<string, string>>, timestamp: number, value: number, count = 1): void {
    const s = this.slot(name, dimensions, timestamp, true)
    const index = s.index!
    const i = index.get(value)
    if (i === undefined) {
      index.set(value, s.datum.values.length)
      s.datum.values.push(value)
      s.datum.counts.push(count)
    } else s.datum.counts[i]! += count
  }

  get size(): number {
    return this.slots.size
  }

  /** The data collected, in insertion order. */
  data(): MetricDatum[] {
    return [...this.slots.values()].map((s) => s.datum)
  }
}
