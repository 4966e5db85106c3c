/**
 * Athena DDL derived from the one schema definition (core/tables.ts): external Parquet
 * tables with partition projection on `dt`, so no partition is ever added by hand, and
 * the views that dedupe defensively (the Lambda path writes at least once). The same
 * view text runs on the local DuckDB engine. The Glue tables in CDK use these
 * functions too (issue 6): one source of truth.
 */
import { BatchmeterError, ErrorCode } from '../../core/errors.js'
import { TABLES, TABLE_NAMES, type Column, type ColumnType, type TableName, type TableSpec } from '../../core/tables.js'
import { DEAD_LETTER_TABLE } from './deadLetterTable.js'

/** Glue/Athena type of each column type. */
export const ATHENA_TYPE: Readonly<Record<ColumnType, string>> = {
  string: 'string',
  timestamp: 'timestamp',
  double: 'double',
  int: 'int',
  boolean: 'boolean',
  'map<string,string>': 'map<string,string>',
  'map<string,int>': 'map<string,int>',
}

/**
 * The partition column: `dt` is a DATE (Hive `dt=YYYY-MM-DD` folders). Athena's date
 * projection with format `yyyy-MM-dd` yields values a `date` column parses, and the
 * local engine reads `dt` as DATE too, so reports filter `dt BETWEEN CAST(? AS DATE) …`
 * on both engines.
 */
export const PARTITION = { name: 'dt', type: 'date', format: 'yyyy-MM-dd', rangeStart: '2020-01-01' } as const

/** Name of a table's defensive dedupe view (reports read these, never the raw tables). */
export const dedupedViewName = (table: 'jobs' | 'job_events'): string => `${table}_deduped`

export interface AthenaColumn {
  name: string
  type: string
  comment: string
}

/** The columns of a table in Glue/Athena terms, in spec order (partition column excluded). */
export const athenaColumns = (spec: Pick<TableSpec, 'columns'>): AthenaColumn[] =>
  spec.columns.map((c: Column) => ({ name: c.name, type: ATHENA_TYPE[c.type], comment: c.doc }))

const S3_URI = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[A-Za-z0-9._\-/=]*)?$/
const IDENT = /^[a-z_][a-z0-9_]*$/

/** `s3://bucket/prefix/` with exactly one trailing slash; rejects what could break out of a DDL string. */
export function tableLocation(bucket: string, prefix: string, folder: string): string {
  const p = prefix.replace(/^\/+|\/+$/g, '')
  const uri = `s3://${bucket}/${p ? `${p}/` : ''}${folder}/`
  if (!S3_URI.test(uri)) {
    throw new BatchmeterError(ErrorCode.Config, `"${uri}" is not a usable table location: bucket names are lowercase letters, digits, . and -; prefixes letters, digits, . _ - / and =.`)
  }
  return uri
}

/** TBLPROPERTIES for partition projection on `dt` (date, daily, 2020-01-01 up to NOW). */
export function projectionProperties(location: string): Record<string, string> {
  const base = location.endsWith('/') ? location : `${location}/`
  return {
    'projection.enabled': 'true',
    'projection.dt.type': 'date',
    'projection.dt.format': PARTITION.format,
    'projection.dt.range': `${PARTITION.rangeStart},NOW`,
    'projection.dt.interval': '1',
    'projection.dt.interval.unit': 'DAYS',
    'storage.location.template': `${base}dt=\${dt}/`,
  }
}

export interface TableDdlOptions {
  /** Glue database. Default `batchmeter`. */
  database?: string
  /** S3 bucket holding the tables. */
  bucket: string
  /** Key prefix of the tables in the bucket ('' for none). */
  prefix: string
}

/** A Hive DDL string literal (Athena DDL is parsed by Hive: backslash escapes, not doubled quotes). */
const quote = (s: string): string => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`

function checkIdent(what: string, name: string): string {
  if (!IDENT.test(name)) throw new BatchmeterError(ErrorCode.Config, `${what} "${name}" must be lowercase letters, digits and _ (Glue names).`)
  return name
}

function columnLines(columns: readonly AthenaColumn[]): string {
  return columns.map((c) => `  \`${c.name}\` ${c.type} COMMENT ${quote(c.comment)}`).join(',\n')
}

function propertiesText(props: Record<string, string>): string {
  return Object.entries(props)
    .map(([k, v]) => `  ${quote(k)} = ${quote(v)}`)
    .join(',\n')
}

/** `CREATE EXTERNAL TABLE IF NOT EXISTS` for one Parquet table, with partition projection. */
export function createTableDdl(spec: TableSpec, opts: TableDdlOptions): string {
  const database = checkIdent('database', opts.database ?? 'batchmeter')
  const location = tableLocation(opts.bucket, opts.prefix, spec.name)
  return [
    `CREATE EXTERNAL TABLE IF NOT EXISTS \`${database}\`.\`${checkIdent('table', spec.name)}\` (`,
    columnLines(athenaColumns(spec)),
    ')',
    `PARTITIONED BY (\`${PARTITION.name}\` ${PARTITION.type})`,
    'STORED AS PARQUET',
    `LOCATION ${quote(location)}`,
    'TBLPROPERTIES (',
    propertiesText({ ...projectionProperties(location), 'parquet.compression': 'SNAPPY', 'batchmeter.table': spec.name }),
    ')',
  ].join('\n')
}

/** The dead-letter table: NDJSON lines under `dead-letter/dt=…/`, read with the OpenX JSON SerDe. */
export function createDeadLetterTableDdl(opts: TableDdlOptions): string {
  const database = checkIdent('database', opts.database ?? 'batchmeter')
  const location = tableLocation(opts.bucket, opts.prefix, DEAD_LETTER_TABLE.folder)
  return [
    `CREATE EXTERNAL TABLE IF NOT EXISTS \`${database}\`.\`${DEAD_LETTER_TABLE.name}\` (`,
    columnLines(athenaColumns(DEAD_LETTER_TABLE)),
    ')',
    `PARTITIONED BY (\`${PARTITION.name}\` ${PARTITION.type})`,
    "ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'",
    "WITH SERDEPROPERTIES ('ignore.malformed.json' = 'true')",
    'STORED AS INPUTFORMAT \'org.apache.hadoop.mapred.TextInputFormat\' OUTPUTFORMAT \'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat\'',
    `LOCATION ${quote(location)}`,
    'TBLPROPERTIES (',
    propertiesText({ ...projectionProperties(location), 'batchmeter.table': DEAD_LETTER_TABLE.name }),
    ')',
  ].join('\n')
}

/**
 * The body (after `AS`) of a table's dedupe view: one row per key, partitioned by `dt`
 * too, so a `dt` filter on the view is pushed below the window (Trino and DuckDB both
 * do) and partition pruning still works. Duplicates always share `dt`: it is derived
 * from a timestamp of the row itself.
 */
export function dedupedViewBody(spec: TableSpec): string {
  const columns = [...spec.columns.map((c) => c.name), PARTITION.name]
  const order = spec.name === 'jobs' ? 'stopped_at DESC, attempts DESC' : `${spec.partitionFrom} DESC`
  return [
    `SELECT ${columns.join(', ')}`,
    'FROM (',
    `  SELECT *, row_number() OVER (PARTITION BY ${PARTITION.name}, ${spec.key.join(', ')} ORDER BY ${order}) AS dedupe_rank`,
    `  FROM ${spec.name}`,
    ') ranked',
    'WHERE dedupe_rank = 1',
  ].join('\n')
}

/** Tables that have a dedupe view. `queue_minutes` has none: its rows are additive per flush and carry no flush id to dedupe by. */
export const DEDUPED_TABLES = ['jobs', 'job_events'] as const satisfies readonly TableName[]

/** `CREATE OR REPLACE VIEW <table>_deduped AS …`, the same text on Athena and DuckDB. */
export function createDedupedViewDdl(table: (typeof DEDUPED_TABLES)[number]): string {
  return `CREATE OR REPLACE VIEW ${dedupedViewName(table)} AS\n${dedupedViewBody(TABLES[table])}`
}

/** Every statement to set up Athena, in order: the four tables, then the views. */
export function allDdlStatements(opts: TableDdlOptions): string[] {
  const database = checkIdent('database', opts.database ?? 'batchmeter')
  return [
    `CREATE DATABASE IF NOT EXISTS \`${database}\``,
    ...TABLE_NAMES.map((t) => createTableDdl(TABLES[t], { ...opts, database })),
    createDeadLetterTableDdl({ ...opts, database }),
    ...DEDUPED_TABLES.map(createDedupedViewDdl),
  ]
}
