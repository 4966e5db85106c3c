/**
 * One chart per report, rendered to SVG in Node with Observable Plot on a linkedom
 * document: no browser, no script, no network at view time. Text in the data (queue
 * names, reasons) goes into SVG text nodes through the DOM, so it is escaped.
 */
import * as Plot from '@observablehq/plot'
import { parseHTML } from 'linkedom'

type Row = Record<string, unknown>
type Document = NonNullable<Plot.PlotOptions['document']>
type Chart = (rows: readonly Row[], doc: Document) => { outerHTML: string } | undefined

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0))
/** A category label of at most `max` characters, shortened in the middle so labels that share a long prefix stay apart. */
const label = (v: unknown, max = 56): string => {
  const s = String(v ?? '')
  if (s.length <= max) return s
  const head = Math.ceil((max - 1) / 2)
  return `${s.slice(0, head)}…${s.slice(s.length - (max - 1 - head))}`
}
const WIDTH = 880
const marginLeftFor = (rows: readonly Row[], key: string): number => Math.min(300, 12 + 6.2 * Math.max(4, ...rows.map((r) => label(r[key]).length)))

/** Horizontal bars: `x` summed per `y` over every row (the `limit` largest shown), optionally split by `fill`. */
function bars(y: string, x: string, xLabel: string, fill?: string, limit = 15): Chart {
  return (rows, doc) => {
    const totals = new Map<string, number>()
    for (const r of rows) totals.set(label(r[y]), (totals.get(label(r[y])) ?? 0) + num(r[x]))
    const keep = new Set([...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([k]) => k))
    const data = rows.map((r) => ({ ...r, [y]: label(r[y]), [x]: num(r[x]) })).filter((r) => keep.has(r[y] as string))
    if (data.length === 0) return undefined
    return Plot.plot({
      document: doc,
      width: WIDTH,
      marginLeft: marginLeftFor(data, y),
      height: 40 + 26 * keep.size,
      x: { label: xLabel, grid: true },
      y: { label: null },
      color: fill ? { legend: true } : {},
      marks: [Plot.barX(data, Plot.groupY({ x: 'sum' }, { x, y, ...(fill ? { fill } : { fill: '#4269d0' }), sort: { y: '-x' } })), Plot.ruleX([0])],
    }) as unknown as { outerHTML: string }
  }
}

const usageByDay: Chart = (rows, doc) => {
  if (rows.length === 0) return undefined
  const data = rows.map((r) => ({ day: String(r.day), job_queue: String(r.job_queue), vcpu_hours: num(r.vcpu_hours) }))
  return Plot.plot({
    document: doc,
    width: WIDTH,
    marginLeft: 60,
    x: { label: 'day (UTC)', type: 'band' },
    y: { label: 'vCPU-hours', grid: true },
    color: { legend: true },
    marks: [Plot.barY(data, { x: 'day', y: 'vcpu_hours', fill: 'job_queue' }), Plot.ruleY([0])],
  }) as unknown as { outerHTML: string }
}

const backlog: Chart = (rows, doc) => {
  if (rows.length === 0) return undefined
  const data = rows.map((r) => ({ hour: new Date(String(r.hour).replace(' ', 'T').replace(/(\d)$/, '$1Z')), job_queue: String(r.job_queue), peak_runnable: num(r.peak_runnable) }))
  return Plot.plot({
    document: doc,
    width: WIDTH,
    marginLeft: 60,
    x: { label: 'hour (UTC)', type: 'utc' },
    y: { label: 'jobs RUNNABLE (peak in the hour)', grid: true },
    color: { legend: true },
    marks: [Plot.lineY(data, { x: 'hour', y: 'peak_runnable', stroke: 'job_queue', curve: 'step-after' }), Plot.ruleY([0])],
  }) as unknown as { outerHTML: string }
}

const waitTimes: Chart = (rows, doc) => {
  if (rows.length === 0) return undefined
  const data = rows.flatMap((r) => [
    { job_queue: label(r.job_queue), percentile: 'p50', wait_s: num(r.p50_wait_s) },
    { job_queue: label(r.job_queue), percentile: 'p90', wait_s: num(r.p90_wait_s) },
    { job_queue: label(r.job_queue), percentile: 'p99', wait_s: num(r.p99_wait_s) },
  ])
  return Plot.plot({
    document: doc,
    width: WIDTH,
    marginLeft: marginLeftFor(data, 'job_queue'),
    height: 60 + 30 * rows.length,
    x: { label: 'wait before first start (s, log scale)', type: 'log', grid: true },
    y: { label: null },
    color: { legend: true, domain: ['p50', 'p90', 'p99'] },
    marks: [Plot.ruleY(data, { y: 'job_queue', stroke: '#ddd' }), Plot.dot(data.filter((d) => d.wait_s > 0), { x: 'wait_s', y: 'job_queue', fill: 'percentile', r: 5 })],
  }) as unknown as { outerHTML: string }
}

/** The chart of each report that has one. */
export const REPORT_CHARTS: Readonly<Record<string, Chart>> = {
  'usage-by-queue': bars('job_queue', 'vcpu_hours', 'vCPU-hours'),
  'usage-by-definition': bars('job_definition', 'vcpu_hours', 'vCPU-hours', 'job_queue'),
  'usage-by-day': usageByDay,
  'cost-by-queue': bars('job_queue', 'cost_usd', 'estimated cost (USD)', 'platform'),
  'cost-by-tag': bars('tag_value', 'cost_usd', 'estimated cost (USD)'),
  'cost-by-share': bars('share_identifier', 'cost_usd', 'estimated cost (USD)', 'job_queue'),
  failures: bars('reason', 'failed_jobs', 'failed jobs', 'job_queue', 12),
  'wait-time-percentiles': waitTimes,
  backlog,
  retries: bars('job_definition', 'extra_attempts', 'extra attempts', 'job_queue'),
  'array-jobs': bars('array_parent_id', 'vcpu_hours', 'vCPU-hours', 'job_queue', 10),
}

/** The SVG (or figure with a legend) of a report's chart; '' when it has none or no rows. */
export function renderChart(report: string, rows: readonly Row[]): string {
  const chart = REPORT_CHARTS[report]
  if (!chart) return ''
  const { document } = parseHTML('<!doctype html><html><body></body></html>')
  return chart(rows, document as unknown as Document)?.outerHTML ?? ''
}
