/** Reads EMF lines back the way CloudWatch would aggregate them, for assertions. */

export interface EmfSeries {
  /** Σ of every value (what the Sum statistic gives over all time). */
  sum: number
  /** Number of values (SampleCount). */
  count: number
  /** Distinct timestamps seen. */
  timestamps: Set<number>
  /** Values per timestamp, in arrival order. */
  byTimestamp: Map<number, number[]>
}

/** Key of a series: metric name + its dimensions, as `Name|Dim=Value|Dim=Value` (dimensions sorted). */
export const seriesKey = (name: string, dims: Record<string, string>): string =>
  [name, ...Object.entries(dims).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`)].join('|')

/** Aggregates EMF lines into series, expanding each document's dimension sets and value arrays. */
export function emfTotals(lines: readonly string[]): Map<string, EmfSeries> {
  const out = new Map<string, EmfSeries>()
  for (const line of lines) {
    const doc = JSON.parse(line) as Record<string, unknown> & {
      _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] }
    }
    for (const dir of doc._aws.CloudWatchMetrics) {
      for (const set of dir.Dimensions) {
        const dims = Object.fromEntries(set.map((k) => [k, String(doc[k])]))
        for (const m of dir.Metrics) {
          const raw = doc[m.Name]
          const values = (Array.isArray(raw) ? raw : [raw]) as number[]
          const key = seriesKey(m.Name, dims)
          let s = out.get(key)
          if (!s) out.set(key, (s = { sum: 0, count: 0, timestamps: new Set(), byTimestamp: new Map() }))
          s.timestamps.add(doc._aws.Timestamp)
          const at = s.byTimestamp.get(doc._aws.Timestamp) ?? []
          at.push(...values)
          s.byTimestamp.set(doc._aws.Timestamp, at)
          for (const v of values) {
            s.sum += v
            s.count++
          }
        }
      }
    }
  }
  return out
}

/** The metric names and dimension-name sets that occur in the lines, as `Name|{Dim,Dim}` (sorted). */
export function emfSchemas(lines: readonly string[]): Set<string> {
  const out = new Set<string>()
  for (const line of lines) {
    const doc = JSON.parse(line) as { _aws: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] } }
    for (const dir of doc._aws.CloudWatchMetrics) for (const set of dir.Dimensions) for (const m of dir.Metrics) out.add(`${m.Name}|{${[...set].sort().join(',')}}`)
  }
  return out
}
