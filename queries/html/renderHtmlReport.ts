/**
 * The report bundle as one self-contained HTML page: inline CSS, charts as inline SVG,
 * tables; no script and no external resource, so it opens offline and anywhere. Every
 * text from the data is escaped.
 */
import { priceRows } from '../../core/priceTable.js'
import { formatBytes } from '../athena/queryCost.js'
import type { ReportBundle, ReportResult } from '../runReports.js'
import { renderChart } from './reportCharts.js'

export interface HtmlReportOptions {
  /** Rows shown per table; the rest are counted. Default 50. */
  maxRows?: number
  /** Page title. Default `batchmeter report`. */
  title?: string
}

export const escapeHtml = (s: string): string =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;')

function cellText(column: string, v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'number') {
    if (column.endsWith('_usd')) return `$${v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`
    return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
  }
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}

function table(r: ReportResult, maxRows: number): string {
  const columns = r.columns.map((c) => c.name)
  if (r.rows.length === 0) return '<p class="empty">No rows in this range.</p>'
  const numeric = new Set(columns.filter((c) => r.rows.every((row) => row[c] === null || typeof row[c] === 'number')))
  const head = columns.map((c) => `<th${numeric.has(c) ? ' class="num"' : ''}>${escapeHtml(c)}</th>`).join('')
  const body = r.rows
    .slice(0, maxRows)
    .map((row) => `<tr>${columns.map((c) => `<td${numeric.has(c) ? ' class="num"' : ''}>${escapeHtml(cellText(c, row[c]))}</td>`).join('')}</tr>`)
    .join('\n')
  const more = r.rows.length > maxRows ? `<p class="more">… and ${(r.rows.length - maxRows).toLocaleString('en-US')} more rows (use --format csv or json for all of them).</p>` : ''
  return `<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>${more}`
}

const isCost = (r: ReportResult): boolean => r.report.name.startsWith('cost-')

function section(r: ReportResult, maxRows: number): string {
  const chart = renderChart(r.report.name, r.rows)
  const scanned = r.scannedBytes === undefined ? '' : ` · scanned ${escapeHtml(formatBytes(r.scannedBytes))}${r.costUsd === undefined ? '' : ` (Athena: $${r.costUsd.toFixed(6)})`}`
  return [
    `<section id="${escapeHtml(r.report.name)}">`,
    `<h2>${escapeHtml(r.report.title)}${isCost(r) ? ' <span class="badge">estimate</span>' : ''}</h2>`,
    `<p class="desc">${escapeHtml(r.report.description)}</p>`,
    chart === '' ? '' : `<div class="chart">${chart}</div>`,
    table(r, maxRows),
    `<p class="meta">${r.rows.length.toLocaleString('en-US')} rows${scanned}</p>`,
    '</section>',
  ].join('\n')
}

function pricesTable(bundle: ReportBundle): string {
  const rows = priceRows(bundle.parameters.prices)
  const body = rows
    .map((p) => `<tr><td>${escapeHtml(p.pricingClass)}</td><td>${escapeHtml(p.queue || '(default)')}</td><td>${escapeHtml(p.platform)}</td><td class="num">$${p.vcpuHour}</td><td class="num">$${p.gibHour}</td><td class="num">$${p.gpuHour}</td><td>${escapeHtml(p.asOf)}</td><td>${escapeHtml(p.source)}</td></tr>`)
    .join('\n')
  return `<div class="scroll"><table><thead><tr><th>pricing class</th><th>queue</th><th>platform</th><th class="num">per vCPU-hour</th><th class="num">per GiB-hour</th><th class="num">per GPU-hour</th><th>as of</th><th>source</th></tr></thead><tbody>\n${body}\n</tbody></table></div>`
}

const CSS = `
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --accent: #4269d0; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0; background: #f6f8fa; }
header { background: #0d1117; color: #f0f6fc; padding: 20px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; color: #9198a1; }
nav { padding: 8px 32px; background: #fff; border-bottom: 1px solid var(--line); font-size: 13px; }
nav a { color: var(--accent); margin-right: 14px; text-decoration: none; white-space: nowrap; }
main { padding: 16px 32px 40px; max-width: 1200px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin: 16px 0; }
h2 { margin: 0 0 4px; font-size: 18px; }
.desc, .meta, .more, .empty { color: var(--muted); margin: 4px 0 10px; }
.badge { font-size: 11px; font-weight: 600; color: #9a6700; background: #fff8c5; border: 1px solid #d4a72c; border-radius: 10px; padding: 1px 8px; vertical-align: middle; }
.notice { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 8px; padding: 10px 16px; margin: 16px 0; }
.chart { margin: 8px 0 12px; overflow-x: auto; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 12.5px; min-width: 50%; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
th { background: #f6f8fa; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: #fbfcfd; }
`

/** The whole bundle as one HTML page. */
export function renderHtmlReport(bundle: ReportBundle, options: HtmlReportOptions = {}): string {
  const { maxRows = 50, title = 'batchmeter report' } = options
  const p = bundle.parameters
  const scope = `${p.from} to ${p.to} (UTC)${p.queues.length > 0 ? ` · queues: ${p.queues.join(', ')}` : ' · all queues'}`
  const totalScanned = bundle.results.reduce((a, r) => a + (r.scannedBytes ?? 0), 0)
  return withoutControls(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)} · ${escapeHtml(p.from)} to ${escapeHtml(p.to)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><p>${escapeHtml(scope)} · engine: ${escapeHtml(bundle.engine)} · generated ${escapeHtml(bundle.generatedAt)} · ${bundle.results.length} reports, ${escapeHtml(formatBytes(totalScanned))} scanned</p></header>
<nav>${bundle.results.map((r) => `<a href="#${escapeHtml(r.report.name)}">${escapeHtml(r.report.title)}</a>`).join('')}<a href="#prices">Prices used</a></nav>
<main>
<div class="notice"><strong>Costs are estimates:</strong> usage from AWS Batch events × the price table below (price table ${escapeHtml(p.prices.version ?? 'custom')}), not your AWS bill. Savings Plans, Reserved Instances, spot price changes, storage, data transfer and SageMaker service jobs are not included.</div>
${bundle.results.map((r) => section(r, maxRows)).join('\n')}
<section id="prices"><h2>Prices used <span class="badge">estimate</span></h2><p class="desc">Per vCPU-hour, GiB-hour of memory and GPU-hour, by pricing class; override with --prices FILE.</p>${pricesTable(bundle)}</section>
</main>
</body>
</html>
`)
}

/** NUL and other C0 controls from the data (charts included) are not valid HTML text: shown as U+FFFD, as a browser would. */
// eslint-disable-next-line no-control-regex
const withoutControls = (html: string): string => html.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, '\ufffd')
