import type { MetricDatum } from './metricSet.js'
import { type RejectedDatum, type TimestampWindowOptions, splitPublishable } from './timestampWindow.js'

/** EMF limits (CloudWatch embedded metric format specification). */
export const EMF_LIMITS = {
  metricsPerDocument: 100,
  valuesPerMetric: 100,
  dimensionsPerSet: 30,
  /** Kept well under CloudWatch Logs' 256 KiB event size, so Lambda never splits a line. */
  maxLineBytes: 200_000,
} as const

export interface FormatEmfOptions extends TimestampWindowOptions {
  namespace: string
}

export interface EmfOutput {
  /** One JSON document per line, without the newline. */
  lines: string[]
  /** Data CloudWatch would not take, with the reason. */
  rejected: RejectedDatum[]
}

interface Chunk {
  name: string
  unit: string
  values: number[]
  bytes: number
}

/** A distribution's values repeated by their counts (EMF has no counts), cut into chunks of at most 100. */
function chunksOf(datum: MetricDatum): Chunk[] {
  const chunks: Chunk[] = []
  let values: number[] = []
  let bytes = 0
  const push = (): void => {
    chunks.push({ name: datum.name, unit: datum.unit, values, bytes: bytes + datum.name.length * 2 + datum.unit.length + 40 })
    values = []
    bytes = 0
  }
  datum.values.forEach((v, i) => {
    for (let n = datum.counts[i] ?? 1; n > 0; n--) {
      values.push(v)
      bytes += String(v).length + 1
      if (values.length === EMF_LIMITS.valuesPerMetric) push()
    }
  })
  if (values.length > 0) push()
  return chunks
}

function document(namespace: string, timestamp: number, dimensions: Readonly<Record<string, string>>, chunks: readonly Chunk[]): string {
  const doc: Record<string, unknown> = {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [Object.keys(dimensions)], Metrics: chunks.map((c) => ({ Name: c.name, Unit: c.unit })) }],
    },
    ...dimensions,
  }
  for (const c of chunks) doc[c.name] = c.values.length === 1 ? c.values[0] : c.values
  return JSON.stringify(doc)
}

/**
 * Metric data as CloudWatch Embedded Metric Format lines: one document per
 * timestamp and dimension set, at most 100 metrics a document and 100 values a
 * metric (a longer distribution spreads over several documents, which CloudWatch
 * adds up). Data outside CloudWatch's timestamp window is returned as rejected.
 */
export function formatEmf(data: readonly MetricDatum[], options: FormatEmfOptions): EmfOutput {
  const { accepted, rejected } = splitPublishable(data, options)
  const groups = new Map<string, { timestamp: number; dimensions: Readonly<Record<string, string>>; data: MetricDatum[] }>()
  for (const datum of accepted) {
    const key = `${datum.timestamp}\u0000${JSON.stringify(Object.entries(datum.dimensions))}`
    let g = groups.get(key)
    if (!g) groups.set(key, (g = { timestamp: datum.timestamp, dimensions: datum.dimensions, data: [] }))
    g.data.push(datum)
  }
  const lines: string[] = []
  for (const g of groups.values()) {
    // The same metric twice in one group (e.g. two flushes' data) becomes one list of values.
    const merged = new Map<string, MetricDatum>()
    for (const d of g.data) {
      const m = merged.get(d.name)
      if (m) merged.set(d.name, { ...m, values: [...m.values, ...d.values], counts: [...m.counts, ...d.counts] })
      else merged.set(d.name, d)
    }
    const perMetric = [...merged.values()].map(chunksOf)
    // Round r holds chunk r of each metric, so a metric never appears twice in one document.
    for (let round = 0; perMetric.some((c) => c.length > round); round++) {
      let doc: Chunk[] = []
      let bytes = 0
      for (const chunks of perMetric) {
        const c = chunks[round]
        if (!c) continue
        if (doc.length === EMF_LIMITS.metricsPerDocument || (doc.length > 0 && bytes + c.bytes > EMF_LIMITS.maxLineBytes)) {
          lines.push(document(options.namespace, g.timestamp, g.dimensions, doc))
          doc = []
          bytes = 0
        }
        doc.push(c)
        bytes += c.bytes
      }
      if (doc.length > 0) lines.push(document(options.namespace, g.timestamp, g.dimensions, doc))
    }
  }
  return { lines, rejected }
}
