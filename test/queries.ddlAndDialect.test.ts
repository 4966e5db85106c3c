import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import sqlParser from 'node-sql-parser'
import { describe, expect, it } from 'vitest'
import { TABLES, TABLE_NAMES } from '../core/tables.js'
import { DEAD_LETTER_TABLE } from '../queries/ddl/deadLetterTable.js'
import { allDdlStatements, createTableDdl, dedupedViewBody, projectionProperties, tableLocation } from '../queries/ddl/tableDdl.js'
import { DDL_DIR, ddlFiles } from '../queries/ddl/writeDdlFiles.js'
import { listReports, loadReport } from '../queries/loadReport.js'

const parser = new sqlParser.Parser()
const GLUE_TYPE = { string: 'string', timestamp: 'timestamp', double: 'double', int: 'int', boolean: 'boolean', 'map<string,string>': 'map<string,string>', 'map<string,int>': 'map<string,int>' } as const

/** `?` placeholders outside string literals and comments. */
function placeholders(sql: string): number {
  return sql.replace(/--[^\n]*/g, '').replace(/'(?:[^']|'')*'/g, "''").split('?').length - 1
}

describe('Athena DDL from core/tables.ts', () => {
  it.each(TABLE_NAMES)('%s: every column of the spec, in order, with its Glue type; dt is a projected date partition', (name) => {
    const spec = TABLES[name]
    const ddl = createTableDdl(spec, { bucket: 'my-bucket', prefix: 'bm/' })
    const columns = [...ddl.matchAll(/^ {2}`(\w+)` (\S+) COMMENT/gm)].map((m) => [m[1], m[2]])
    expect(columns).toEqual(spec.columns.map((c) => [c.name, GLUE_TYPE[c.type]]))
    expect(ddl).toContain('PARTITIONED BY (`dt` date)')
    expect(ddl).toContain(`LOCATION 's3://my-bucket/bm/${name}/'`)
    expect(ddl).toContain(`'storage.location.template' = 's3://my-bucket/bm/${name}/dt=\${dt}/'`)
    for (const [k, v] of Object.entries(projectionProperties(`s3://my-bucket/bm/${name}/`))) expect(ddl).toContain(`'${k}' = '${v}'`)
  })

  it('projection: enabled, daily dates from 2020 up to NOW in the Hive folder format', () => {
    expect(projectionProperties('s3://b/p/jobs')).toEqual({
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.range': '2020-01-01,NOW',
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': 'DAYS',
      'storage.location.template': 's3://b/p/jobs/dt=${dt}/',
    })
  })

  it('the dead-letter table reads the NDJSON lines with a JSON SerDe', () => {
    const ddl = allDdlStatements({ bucket: 'b-1', prefix: '' }).find((s) => s.includes('`dead_letters`'))
    expect(ddl).toContain("ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'")
    expect([...ddl!.matchAll(/^ {2}`(\w+)` (\S+) COMMENT/gm)].map((m) => m[1])).toEqual(DEAD_LETTER_TABLE.columns.map((c) => c.name))
    expect(ddl).toContain("LOCATION 's3://b-1/dead-letter/'")
  })

  it('refuses locations and names that could break out of the DDL', () => {
    expect(() => tableLocation("b'x", '', 'jobs')).toThrow(/not a usable table location/)
    expect(() => tableLocation('bucket', "p'; DROP", 'jobs')).toThrow(/not a usable table location/)
    expect(() => createTableDdl(TABLES.jobs, { bucket: 'bucket', prefix: '', database: 'x-y' })).toThrow(/database/)
  })

  it('dedupe views keep one row per key, partitioned by dt so dt filters prune', () => {
    expect(dedupedViewBody(TABLES.jobs)).toMatch(/PARTITION BY dt, job_id/)
    expect(dedupedViewBody(TABLES.job_events)).toMatch(/PARTITION BY dt, event_id/)
    for (const body of [dedupedViewBody(TABLES.jobs), dedupedViewBody(TABLES.job_events)]) expect(() => parser.astify(body, { database: 'trino' })).not.toThrow()
  })

  it('the checked-in queries/ddl/sql files are up to date (regenerate: npx tsx queries/ddl/writeDdlFiles.ts)', () => {
    const files = ddlFiles()
    expect(readdirSync(DDL_DIR).sort()).toEqual(Object.keys(files).sort())
    for (const [file, text] of Object.entries(files)) expect(readFileSync(join(DDL_DIR, file), 'utf8'), file).toBe(text)
  })
})

describe('canned reports', () => {
  it.each(listReports())('%s parses as Trino (Athena engine v3) SQL and declares one parameter per ?', (name) => {
    const report = loadReport(name)
    expect(() => parser.astify(report.sql, { database: 'trino' })).not.toThrow()
    expect(report.params.length).toBe(placeholders(report.sql))
    expect(report.title).not.toBe(name)
    expect(report.description.length).toBeGreaterThan(20)
    // Reports read the dedupe views (queue_minutes has no key to dedupe by).
    expect(report.sql).not.toMatch(/FROM\s+jobs\b(?!_deduped)/i)
    expect(report.sql).not.toMatch(/FROM\s+job_events\b(?!_deduped)/i)
  })

  it('covers the reports the issue asks for', () => {
    expect(listReports()).toEqual(
      ['array-jobs', 'backlog', 'cost-by-queue', 'cost-by-share', 'cost-by-tag', 'failures', 'retries', 'usage-by-day', 'usage-by-definition', 'usage-by-queue', 'wait-time-percentiles'].sort(),
    )
  })
})
