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
  return readFileSync(join(dir, `${name}.sql`), 'utf8')
}
