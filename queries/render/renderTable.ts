import Table from 'cli-table3'
import { BatchmeterError, ErrorCode } from '../../core/errors.js'

export const RENDER_FORMATS = ['table', 'json', 'csv'] as const
export type RenderFormat = (typeof RENDER_FORMATS)[number]
export type ResultRow = Readonly<Record<string, unknown>>

/** Column names in first-seen order over all rows. */
function columnsOf(rows: readonly ResultRow[]): string[] {
  const seen = new Set<string>()
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key)
  return [...seen]
}

const jsonReplacer = (_key: string, v: unknown): unknown =>
  typeof v === 'bigint' ? (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()) : v

/** A cell as text, before any format-specific treatment: null → '', objects as JSON, Dates as ISO. */
function text(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'string') return v
  if (v instanceof Date) return v.toISOString()
  if (typeof v === 'object') return JSON.stringify(v, jsonReplacer)
  return String(v)
}

// ANSI escape sequences (CSI `ESC [ … final`, OSC `ESC ] … BEL|ESC \`, and two-byte `ESC x`), then any C0/C1 control left.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]/g
const WHITESPACE_CONTROL = /[\t\n\r\v\f]+/g
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g

// Bidirectional overrides and isolates reorder what a terminal shows ("Trojan Source"): data must not.
const BIDI = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/** Text safe to print on a terminal: escape sequences, control and bidi-control characters removed, line breaks and tabs as one space. */
const printable = (s: string): string => s.replace(ANSI, '').replace(WHITESPACE_CONTROL, ' ').replace(CONTROL, '').replace(BIDI, '')

const isNumeric = (v: unknown): v is number | bigint => typeof v === 'number' || typeof v === 'bigint'

function renderTable(rows: readonly ResultRow[]): string {
  const columns = columnsOf(rows)
  if (columns.length === 0) return '(no rows)'
  const kinds = columns.map((c) => {
    const values = rows.map((r) => r[c]).filter((v) => v !== null && v !== undefined)
    const numeric = values.length > 0 && values.every(isNumeric)
    return { numeric, float: numeric && values.some((v) => typeof v === 'number' && !Number.isInteger(v)) }
  })
  const table = new Table({
    head: columns.map(printable),
    colAligns: kinds.map((k) => (k.numeric ? 'right' : 'left')),
    // No colours (output stays plain text when piped); compact: a rule under the header only.
    style: { head: [], border: [], compact: true },
  })
  for (const row of rows) {
    table.push(
      columns.map((c, i) => {
        const v = row[c]
        return kinds[i]?.float && typeof v === 'number' && Number.isFinite(v) ? v.toFixed(2) : printable(text(v))
      }),
    )
  }
  return table.toString()
}

const renderJson = (rows: readonly ResultRow[]): string => JSON.stringify(rows, jsonReplacer, 2)

/**
 * One CSV field (RFC 4180): text cells starting with = + - @ tab or CR get a leading `'`
 * so spreadsheets do not run them as formulas (numbers are left as numbers); fields with
 * a comma, quote, CR or LF are quoted, quotes doubled.
 */
function csvField(v: unknown): string {
  let s = text(v)
  if (!isNumeric(v) && /^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

function renderCsv(rows: readonly ResultRow[]): string {
  const columns = columnsOf(rows)
  if (columns.length === 0) return ''
  const lines = [columns.map(csvField), ...rows.map((row) => columns.map((c) => csvField(row[c])))]
  return lines.map((fields) => `${fields.join(',')}\r\n`).join('')
}

const RENDERERS: Readonly<Record<RenderFormat, (rows: readonly ResultRow[]) => string>> = { table: renderTable, json: renderJson, csv: renderCsv }

/**
 * Query rows as text: a terminal table (numbers right-aligned, fractional columns with
 * 2 decimals, control characters stripped), a JSON array of row objects, or CSV
 * (CRLF line ends, header row first, formula injection neutralised).
 */
export function renderRows(rows: readonly ResultRow[], format: RenderFormat): string {
  const render = RENDERERS[format] as ((rows: readonly ResultRow[]) => string) | undefined
  if (render === undefined) throw new BatchmeterError(ErrorCode.Usage, `Unknown output format "${String(format)}"; use one of ${RENDER_FORMATS.join(', ')}.`)
  return render(rows)
}
