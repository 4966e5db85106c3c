import { BatchmeterError, ErrorCode } from '../../core/errors.js'
import { formatBytes } from '../athena/queryCost.js'
import { renderHtmlReport } from '../html/renderHtmlReport.js'
import type { ReportBundle } from '../runReports.js'
import { renderMarkdown } from './renderMarkdown.js'
import { renderRows } from './renderTable.js'

export const BUNDLE_FORMATS = ['table', 'csv', 'json', 'md', 'html'] as const
export type BundleFormat = (typeof BUNDLE_FORMATS)[number]

const ESTIMATE = 'Costs are estimates: usage from AWS Batch events × the price table, not your AWS bill.'

/** A report bundle as text in one of the output formats. CSV holds one report. */
export function renderBundle(bundle: ReportBundle, format: BundleFormat): string {
  const { results, parameters: p } = bundle
  const scope = `${p.from} to ${p.to} (UTC), ${p.queues.length > 0 ? `queues ${p.queues.join(', ')}` : 'all queues'}, engine ${bundle.engine}`
  const hasCost = results.some((r) => r.report.name.startsWith('cost-'))
  switch (format) {
    case 'html':
      return renderHtmlReport(bundle)
    case 'json':
      return `${JSON.stringify(
        {
          ...bundle,
          parameters: { ...p, prices: { version: p.prices.version, region: p.prices.region } },
          results: results.map((r) => ({ report: r.report.name, title: r.report.title, columns: r.columns, rows: r.rows, scanned_bytes: r.scannedBytes ?? null })),
        },
        null,
        2,
      )}\n`
    case 'csv': {
      const only = results[0]
      if (results.length !== 1 || only === undefined) throw new BatchmeterError(ErrorCode.Usage, 'CSV holds one report: name the report, or use --format json, md or html for all of them.')
      return renderRows(only.rows, 'csv')
    }
    case 'md':
      return [
        `# batchmeter reports\n\n${scope}.${hasCost ? `\n\n> ${ESTIMATE} Price table ${p.prices.version ?? 'custom'}.` : ''}`,
        ...results.map((r) => `## ${r.report.title}\n\n${r.report.description}\n\n${renderMarkdown(r.rows, r.columns.map((c) => c.name))}`),
      ].join('\n\n') + '\n'
    case 'table':
      return (
        results
          .map((r) => {
            const scanned = r.scannedBytes === undefined ? '' : ` — scanned ${formatBytes(r.scannedBytes)}`
            return `${r.report.title}${r.report.name.startsWith('cost-') ? ' (estimate)' : ''} — ${scope}${scanned}\n${renderRows(r.rows, 'table')}`
          })
          .join('\n\n') + (hasCost ? `\n${ESTIMATE}\n` : '\n')
      )
  }
}
