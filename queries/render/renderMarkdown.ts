import type { ResultRow } from './renderTable.js'

/** A cell as Markdown table text: pipes and backslashes escaped, line breaks as spaces, fractional numbers with 2 decimals. */
function cell(v: unknown): string {
  if (v === null || v === undefined) return ''
  const s = typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(2) : typeof v === 'object' ? JSON.stringify(v) : String(v)
  return s.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replace(/[\r\n]+/g, ' ').replaceAll('<', '&lt;')
}

/** Rows as a GitHub-flavoured Markdown table (numbers right-aligned). */
export function renderMarkdown(rows: readonly ResultRow[], columns: readonly string[] = [...new Set(rows.flatMap((r) => Object.keys(r)))]): string {
  if (columns.length === 0) return '_(no rows)_'
  const numeric = columns.map((c) => rows.some((r) => typeof r[c] === 'number') && rows.every((r) => r[c] === null || r[c] === undefined || typeof r[c] === 'number'))
  const head = `| ${columns.map(cell).join(' | ')} |`
  const rule = `|${numeric.map((n) => (n ? ' ---: ' : ' --- ')).join('|')}|`
  const body = rows.map((r) => `| ${columns.map((c) => cell(r[c])).join(' | ')} |`)
  return [head, rule, ...body].join('\n') + (rows.length === 0 ? '\n\n_(no rows)_' : '')
}
