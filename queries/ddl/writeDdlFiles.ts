/**
 * Writes the Athena DDL, generated from core/tables.ts, to queries/ddl/sql/ for people
 * who set Athena up by hand (replace `your-bucket/batchmeter` with your bucket and
 * prefix). `npx tsx queries/ddl/writeDdlFiles.ts`; test/queries.ddl.test.ts fails when
 * the files are out of date.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { allDdlStatements } from './tableDdl.js'

export const DDL_DIR = fileURLToPath(new URL('./sql/', import.meta.url))
export const EXAMPLE_LOCATION = { bucket: 'your-bucket', prefix: 'batchmeter', database: 'batchmeter' } as const

const HEADER = '-- Generated from core/tables.ts by queries/ddl/writeDdlFiles.ts; do not edit. Replace s3://your-bucket/batchmeter/ with your bucket and prefix.\n'

/** File name → text of every DDL file. */
export function ddlFiles(): Record<string, string> {
  const statements = allDdlStatements(EXAMPLE_LOCATION)
  const name = (s: string): string => {
    const m = /(?:TABLE IF NOT EXISTS `\w+`\.`(\w+)`|VIEW (\w+)|DATABASE IF NOT EXISTS `(\w+)`)/.exec(s)
    return `${String(statements.indexOf(s)).padStart(2, '0')}-${m?.[1] ?? m?.[2] ?? m?.[3] ?? 'statement'}.sql`
  }
  return Object.fromEntries(statements.map((s) => [name(s), `${HEADER}${s};\n`]))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  mkdirSync(DDL_DIR, { recursive: true })
  for (const [file, text] of Object.entries(ddlFiles())) writeFileSync(join(DDL_DIR, file), text)
  process.stdout.write(`wrote ${Object.keys(ddlFiles()).length} files to ${DDL_DIR}\n`)
}
