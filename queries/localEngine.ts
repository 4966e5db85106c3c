import { opendir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import {
  DuckDBInstance,
  DuckDBTypeId,
  JSDuckDBValueConverter,
  timestampValue,
  type DuckDBConnection,
  type DuckDBValue,
  type DuckDBValueConverter,
} from '@duckdb/node-api'
import { BatchmeterError, ErrorCode } from '../core/errors.js'
import { TABLES, TABLE_NAMES, type ColumnType, type TableSpec } from '../core/tables.js'
import { DEAD_LETTER_TABLE } from './ddl/deadLetterTable.js'
import { DEDUPED_TABLES, createDedupedViewDdl } from './ddl/tableDdl.js'
import { athenaTypeOf, type ResultColumn } from './resultColumns.js'
import { createScannedBytesCache, scannedBytes } from './scannedBytes.js'
import { trinoCompatStatements } from './trinoCompat.js'

export interface LocalEngineOptions {
  /** Folder holding `<table>/dt=YYYY-MM-DD/*.parquet` and `dead-letter/dt=…/*.ndjson` (a `syncFromS3` cache or an `ingest --output`). */
  dataDir: string
}

export interface DetailedResult {
  columns: ResultColumn[]
  rows: Record<string, unknown>[]
  /** Parquet column-chunk bytes the query read (see scannedBytes.ts); 0 when nothing was scanned. */
  scannedBytes: number
}

export interface LocalEngine {
  /** Runs one statement; `?` / `$1` parameters are bound, never spliced. Rows hold plain JS values. */
  query(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>
  /** Like `query`, with the result's column names and Athena types and the bytes scanned. */
  queryDetailed(sql: string, params?: readonly unknown[]): Promise<DetailedResult>
  close(): Promise<void>
}

const DUCKDB_TYPE: Readonly<Record<ColumnType, string>> = {
  string: 'VARCHAR',
  timestamp: 'TIMESTAMP',
  double: 'DOUBLE',
  int: 'INTEGER',
  boolean: 'BOOLEAN',
  'map<string,string>': 'MAP(VARCHAR, VARCHAR)',
  'map<string,int>': 'MAP(VARCHAR, INTEGER)',
}

/** The dead-letter NDJSON line (see consumers/pipeline/deadLetter.ts), typed. */
const DEAD_LETTER_COLUMNS: readonly (readonly [string, string])[] = DEAD_LETTER_TABLE.columns.map((c) => [c.name, DUCKDB_TYPE[c.type]] as const)
const DEAD_LETTER_DIR = DEAD_LETTER_TABLE.folder
/** Dead-letter files: `.ndjson` as the sink writes them, also `.json`, `.jsonl`, gzipped or not. */
const DEAD_LETTER_GLOB = '*.*json*'
const isDeadLetterFile = (name: string): boolean => !name.startsWith('.') && /\.[^.]*json/.test(name)

const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`
const ident = (s: string): string => `"${s.replaceAll('"', '""')}"`

/** A zero-row relation with the given typed columns plus the `dt` partition: what a view is before any file exists. */
const emptyRelation = (columns: readonly (readonly [string, string])[]): string =>
  `SELECT ${[...columns, ['dt', 'DATE'] as const].map(([name, type]) => `CAST(NULL AS ${type}) AS ${ident(name)}`).join(', ')} WHERE false`

/**
 * A table's view: the spec's columns, typed, always present (first, in spec order), then
 * the files' rows matched by column name, so a column missing from older files reads NULL.
 */
function tableViewSql(spec: TableSpec, dataDir: string, hasFiles: boolean): string {
  const empty = emptyRelation(spec.columns.map((c) => [c.name, DUCKDB_TYPE[c.type]] as const))
  if (!hasFiles) return empty
  const glob = sqlString(join(dataDir, spec.name, '**', '*.parquet'))
  return `${empty} UNION ALL BY NAME SELECT * FROM read_parquet(${glob}, hive_partitioning = true, union_by_name = true, hive_types = {'dt': DATE})`
}

function deadLetterViewSql(dataDir: string, hasFiles: boolean): string {
  const empty = emptyRelation(DEAD_LETTER_COLUMNS)
  if (!hasFiles) return empty
  const glob = sqlString(join(dataDir, DEAD_LETTER_DIR, 'dt=*', DEAD_LETTER_GLOB))
  const columns = `{${DEAD_LETTER_COLUMNS.map(([n, t]) => `${sqlString(n)}: ${sqlString(t)}`).join(', ')}}`
  return `${empty} UNION ALL BY NAME SELECT * FROM read_json(${glob}, format = 'newline_delimited', columns = ${columns}, hive_partitioning = true, hive_types = {'dt': DATE})`
}

/** Whether any file under `dir` (recursive) has a name passing `test`; stops at the first. */
async function hasFile(dir: string, test: (name: string) => boolean): Promise<boolean> {
  let handle
  try {
    handle = await opendir(dir)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return false
    throw e
  }
  for await (const entry of handle) {
    // Leaving the loop early closes the handle.
    if (entry.isFile() && test(entry.name)) return true
    if (entry.isDirectory() && (await hasFile(join(dir, entry.name), test))) return true
  }
  return false
}

const safeNumber = (b: bigint): number | string => (b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b.toString())
const isoTimestamp = (d: unknown): unknown => (d instanceof Date ? d.toISOString() : d)
const integer = (v: unknown): unknown => (typeof v === 'bigint' ? safeNumber(v) : v)

/** After the library's JS conversion, per type id: what batchmeter returns instead. */
const PLAIN: Partial<Record<DuckDBTypeId, (v: unknown) => unknown>> = {
  [DuckDBTypeId.BIGINT]: integer,
  [DuckDBTypeId.UBIGINT]: integer,
  [DuckDBTypeId.HUGEINT]: integer,
  [DuckDBTypeId.UHUGEINT]: integer,
  [DuckDBTypeId.BIGNUM]: integer,
  [DuckDBTypeId.TIMESTAMP]: isoTimestamp,
  [DuckDBTypeId.TIMESTAMP_S]: isoTimestamp,
  [DuckDBTypeId.TIMESTAMP_MS]: isoTimestamp,
  [DuckDBTypeId.TIMESTAMP_NS]: isoTimestamp,
  [DuckDBTypeId.TIMESTAMP_TZ]: isoTimestamp,
  [DuckDBTypeId.DATE]: (d) => (d instanceof Date ? d.toISOString().slice(0, 10) : d),
  [DuckDBTypeId.MAP]: (entries) => Object.fromEntries((entries as { key: unknown; value: unknown }[]).map((e) => [String(e.key), e.value])),
  [DuckDBTypeId.TIME]: integer,
}

/**
 * DuckDB value → plain JS: BIGINT/HUGEINT → number when safe (else string), DECIMAL →
 * number, TIMESTAMP → `YYYY-MM-DDTHH:MM:SS.sssZ`, DATE → `YYYY-MM-DD`, MAP → object,
 * LIST/STRUCT → array/object of converted values.
 */
const plainValue: DuckDBValueConverter<unknown> = (value, type) => {
  const js = (JSDuckDBValueConverter as DuckDBValueConverter<unknown>)(value, type, plainValue)
  const post = PLAIN[type.typeId]
  return post === undefined || js === null ? js : post(js)
}

/** A bound parameter as DuckDB takes it; Dates bind as TIMESTAMP. */
function toDuckDBValue(v: unknown, index: number): DuckDBValue {
  if (v === null || v === undefined) return null
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v
  if (v instanceof Date) return timestampValue(BigInt(v.getTime()) * 1000n)
  throw new BatchmeterError(ErrorCode.Usage, `Query parameter ${index + 1} is a ${typeof v}; pass a string, number, boolean, bigint, Date or null.`)
}

/**
 * A DuckDB engine over a local folder of batchmeter tables, running the same SQL text as
 * Athena: views `job_events`, `jobs`, `queue_minutes` (Hive `dt` DATE column) and
 * `dead_letters`, plus the Trino compatibility macros. A table with no files yet is an
 * empty view with the spec's columns. Views are checked before each query, so files that
 * appear or disappear later (a new sync) are seen.
 */
export async function createLocalEngine({ dataDir }: LocalEngineOptions): Promise<LocalEngine> {
  const dir = resolve(dataDir)
  if (/[*?[\]{}]/.test(dir)) {
    throw new BatchmeterError(ErrorCode.Config, `Data folder ${dir} contains a glob character (* ? [ ] { }); DuckDB would read it as a pattern. Use another folder.`)
  }
  const instance = await DuckDBInstance.create(':memory:')
  let connection: DuckDBConnection
  try {
    connection = await instance.connect()
    await connection.run("SET TimeZone = 'UTC'")
    for (const statement of trinoCompatStatements()) await connection.run(statement)
  } catch (cause) {
    instance.closeSync()
    throw new BatchmeterError(ErrorCode.Query, `Could not start the local DuckDB engine: ${(cause as Error).message}`, { cause })
  }
  /** The view SQL in force per view name, to re-create a view only when its files come or go. */
  const current = new Map<string, string>()
  const setView = async (name: string, sql: string): Promise<void> => {
    if (current.get(name) === sql) return
    await connection.run(`CREATE OR REPLACE VIEW ${ident(name)} AS ${sql}`)
    current.set(name, sql)
  }
  const refreshViews = async (): Promise<void> => {
    for (const table of TABLE_NAMES) {
      await setView(table, tableViewSql(TABLES[table], dir, await hasFile(join(dir, table), (n) => n.endsWith('.parquet'))))
    }
    await setView('dead_letters', deadLetterViewSql(dir, await hasFile(join(dir, DEAD_LETTER_DIR), isDeadLetterFile)))
    if (!dedupedViews) {
      // The same statements Athena runs (queries/ddl/tableDdl.ts); views bind at query time.
      for (const table of DEDUPED_TABLES) await connection.run(createDedupedViewDdl(table))
      dedupedViews = true
    }
  }
  let dedupedViews = false

  let closed = false
  const cache = createScannedBytesCache()
  let turn: Promise<unknown> = Promise.resolve()
  /** One statement at a time on the one connection (views, profiling settings and the query must not interleave). */
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = turn.then(fn, fn)
    turn = run.catch(() => undefined)
    return run
  }
  const fail = (cause: unknown, params: number): never => {
    if (cause instanceof BatchmeterError) throw cause
    throw new BatchmeterError(ErrorCode.Query, `Local query failed: ${(cause as Error).message}\nCheck the SQL and its ${params} parameter(s).`, {
      cause,
      context: { dataDir: dir },
    })
  }
  const checkOpen = (): void => {
    if (closed) throw new BatchmeterError(ErrorCode.Usage, 'The local engine is closed; create a new one with createLocalEngine().')
  }
  return {
    async query(sql, params = []) {
      checkOpen()
      const values = params.map(toDuckDBValue)
      return serial(async () => {
        try {
          await refreshViews()
          const reader = await connection.runAndReadAll(sql, values.length > 0 ? values : undefined)
          return reader.convertRowObjects(plainValue)
        } catch (cause) {
          return fail(cause, values.length)
        }
      })
    },
    async queryDetailed(sql, params = []) {
      checkOpen()
      const values = params.map(toDuckDBValue)
      return serial(async () => {
        try {
          await refreshViews()
          // The FileSystem log records each read the query makes: what pruning and projection left.
          await connection.run('CALL truncate_duckdb_logs()')
          await connection.run("CALL enable_logging('FileSystem')")
          let reader
          try {
            reader = await connection.runAndReadAll(sql, values.length > 0 ? values : undefined)
          } finally {
            await connection.run('CALL disable_logging()')
          }
          const reads = (await connection.runAndReadAll("SELECT path, pos::BIGINT AS pos, bytes::BIGINT AS bytes FROM duckdb_logs_parsed('FileSystem') WHERE op = 'READ'"))
            .getRowObjectsJS()
            .map((r) => ({ path: String(r.path), pos: Number(r.pos), bytes: Number(r.bytes) }))
          await connection.run('CALL truncate_duckdb_logs()')
          const columns = reader.columnNames().map((name, i) => ({ name, type: athenaTypeOf(reader.columnTypes()[i]!) }))
          const rows = reader.convertRowObjects(plainValue)
          return { columns, rows, scannedBytes: await scannedBytes(connection, reads, cache) }
        } catch (cause) {
          return fail(cause, values.length)
        }
      })
    },
    async close() {
      if (closed) return
      closed = true
      await turn
      connection.closeSync()
      instance.closeSync()
    },
  }
}
