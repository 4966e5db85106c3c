import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { BatchmeterError, ErrorCode } from '../core/errors.js'

/** The folder of canned reports shipped with batchmeter. */
export const REPORTS_DIR = fileURLToPath(new URL('./reports/', import.meta.url))

/** Report names: the `.sql` files of the folder, without the extension, sorted. */
export function listReports(dir: string = REPORTS_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.sql'))
    .map((e) => e.name.slice(0, -'.sql'.length))
    .sort()
}

/**
 * The SQL text of a canned report (`queries/reports/<name>.sql`). The name must be one
 * of the files listed in the folder, so it can never point elsewhere; an unknown name is
 * an error listing the available ones.
 */
export function loadReportSql(name: string, dir: string = REPORTS_DIR): string {
  const available = listReports(dir)
  if (!available.includes(name)) {
    throw new BatchmeterError(ErrorCode.Usage, `Unknown report "${name}". Available reports: ${available.join(', ') || '(none)'}.`, {
      context: { report: name, available },
    })
  }
  return expandIncludes(readFileSync(join(dir, `${name}.sql`), 'utf8'), join(dir, 'fragments'), name)
}

/**
 * Replaces each `-- @include NAME` line with `fragments/NAME.sql`, so SQL that several
 * reports share (the cost reports' pricing CTEs) is written once. Athena has no
 * parameterised views, so the sharing happens here, before the text is bound and run.
 */
function expandIncludes(sql: string, fragmentsDir: string, report: string): string {
  return sql.replace(/^--\s*@include\s+(\S+)\s*$/gm, (_, fragment: string) => {
    const available = readdirSync(fragmentsDir).filter((f) => f.endsWith('.sql')).map((f) => f.slice(0, -'.sql'.length))
    if (!available.includes(fragment)) {
      throw new BatchmeterError(ErrorCode.Config, `Report ${report} includes "${fragment}", which is not in ${fragmentsDir} (${available.join(', ') || 'empty'}).`)
    }
    return readFileSync(join(fragmentsDir, `${fragment}.sql`), 'utf8').replace(/\n$/, '')
  })
}

/** The named values a canned report binds, in the order its `?` placeholders need them. */
export const REPORT_PARAMS = ['from', 'to', 'queues', 'prices', 'tag_key'] as const
export type ReportParamName = (typeof REPORT_PARAMS)[number]

export interface CannedReport {
  name: string
  title: string
  description: string
  sql: string
  /** One entry per `?` placeholder, in order (a name may repeat). */
  params: ReportParamName[]
}

/** The `-- @key value` lines at the top of a report file. */
function headerOf(sql: string): Map<string, string> {
  const header = new Map<string, string>()
  for (const line of sql.split('\n')) {
    const m = /^--\s*@(\w+)\s+(.*)$/.exec(line.trim())
    if (m) header.set(m[1] as string, (m[2] as string).trim())
  }
  return header
}

/** A canned report with its title, description and parameter list (from its `-- @…` header). */
export function loadReport(name: string, dir: string = REPORTS_DIR): CannedReport {
  const sql = loadReportSql(name, dir)
  const header = headerOf(sql)
  const params = (header.get('params') ?? '').split(',').map((p) => p.trim()).filter(Boolean)
  for (const p of params) {
    if (!(REPORT_PARAMS as readonly string[]).includes(p)) {
      throw new BatchmeterError(ErrorCode.Config, `Report ${name}: unknown parameter "${p}" in its @params line; use ${REPORT_PARAMS.join(', ')}.`)
    }
  }
  return { name, title: header.get('title') ?? name, description: header.get('description') ?? '', sql, params: params as ReportParamName[] }
}
