import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parquetMetadata, parquetReadObjects } from 'hyparquet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeParquet, parquetSchemaOf } from '../consumers/sinks/encodeParquet.js'
import { isBatchmeterError } from '../core/errors.js'
import { TABLES, TABLE_NAMES, type ColumnType, type Row, type TableName, type TableSpec } from '../core/tables.js'
import { createLocalEngine, type LocalEngine } from '../queries/localEngine.js'
import { SAMPLE_ROWS } from './helpers/tableRows.js'

const DT = '2024-05-01'

/** What DuckDB must report for each spec type. */
const DUCKDB_TYPE: Record<ColumnType, string> = {
  string: 'VARCHAR',
  timestamp: 'TIMESTAMP',
  double: 'DOUBLE',
  int: 'INTEGER',
  boolean: 'BOOLEAN',
  'map<string,string>': 'MAP(VARCHAR, VARCHAR)',
  'map<string,int>': 'MAP(VARCHAR, INTEGER)',
}

/** A row as the local engine returns it: timestamps as ISO strings, everything else as is. */
const asEngineRow = (spec: TableSpec, row: Row): Record<string, unknown> =>
  Object.fromEntries(spec.columns.map((c) => [c.name, c.type === 'timestamp' && row[c.name] !== null ? new Date(row[c.name] as number).toISOString() : row[c.name]]))

/** A row as hyparquet reads it: timestamps as Dates. */
const asHyparquetRow = (spec: TableSpec, row: Row): Record<string, unknown> =>
  Object.fromEntries(spec.columns.map((c) => [c.name, c.type === 'timestamp' && row[c.name] !== null ? new Date(row[c.name] as number) : row[c.name]]))

const toArrayBuffer = (bytes: Uint8Array): ArrayBuffer => bytes.slice().buffer as ArrayBuffer

describe('encodeParquet → DuckDB and hyparquet read back', () => {
  let dataDir: string
  let engine: LocalEngine
  const files = {} as Record<TableName, { path: string; bytes: Uint8Array }>

  beforeAll(async () => {
    // Prepare
    dataDir = await mkdtemp(join(tmpdir(), 'bm-parquet-'))
    for (const table of TABLE_NAMES) {
      const bytes = encodeParquet(TABLES[table], SAMPLE_ROWS[table])
      const folder = join(dataDir, table, `dt=${DT}`)
      await mkdir(folder, { recursive: true })
      const path = join(folder, 'x.parquet')
      await writeFile(path, bytes)
      files[table] = { path, bytes }
    }
    engine = await createLocalEngine({ dataDir })
  })
  afterAll(async () => {
    await engine?.close()
    await rm(dataDir, { recursive: true, force: true })
  })

  for (const table of TABLE_NAMES) {
    const spec = TABLES[table]
    const key = spec.key[0] as string

    it(`${table}: DuckDB reads every column with its type`, async () => {
      // Act
      const described = await engine.query(`DESCRIBE SELECT * FROM read_parquet('${files[table].path}', hive_partitioning = false)`)
      // Assess
      expect(described.map((d) => [d.column_name, d.column_type])).toEqual(spec.columns.map((c) => [c.name, DUCKDB_TYPE[c.type]]))
    })

    it(`${table}: DuckDB returns the values written, with dt from the folder`, async () => {
      const rows = await engine.query(`SELECT * FROM ${table} ORDER BY ${spec.key.join(', ')}`)
      const expected = [...SAMPLE_ROWS[table]]
        .sort((a, b) => String(a[key]).localeCompare(String(b[key])))
        .map((r) => ({ ...asEngineRow(spec, r), dt: DT }))
      expect(rows).toEqual(expected)
    })

    it(`${table}: hyparquet reads the same values`, async () => {
      const rows = await parquetReadObjects({ file: toArrayBuffer(files[table].bytes) })
      expect(rows).toEqual(SAMPLE_ROWS[table].map((r) => asHyparquetRow(spec, r)))
    })

    it(`${table}: footer says Snappy, UTF8 strings, TIMESTAMP_MILLIS, optional columns`, () => {
      const meta = parquetMetadata(toArrayBuffer(files[table].bytes))
      const codecs = new Set(meta.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data?.codec)))
      expect([...codecs]).toEqual(['SNAPPY'])
      expect(meta.created_by).toMatch(/^batchmeter version \S+ \(build .+\)$/)
      expect(meta.schema).toEqual(parquetSchemaOf(spec).map((e) => expect.objectContaining(e)))
      const topLevel = meta.schema.slice(1).filter((e) => spec.columns.some((c) => c.name === e.name))
      expect(topLevel.every((e) => e.repetition_type === 'OPTIONAL')).toBe(true)
    })
  }

  it('jobs.tags is the standard 3-level MAP with a required UTF8 key', () => {
    const schema = parquetSchemaOf(TABLES.jobs)
    const at = schema.findIndex((e) => e.name === 'tags')
    expect(schema.slice(at, at + 4)).toEqual([
      { name: 'tags', repetition_type: 'OPTIONAL', converted_type: 'MAP', num_children: 1 },
      { name: 'key_value', repetition_type: 'REPEATED', num_children: 2 },
      { name: 'key', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      { name: 'value', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    ])
  })

  it('statistics are written (min/max, null counts) so Athena can prune row groups', () => {
    const meta = parquetMetadata(toArrayBuffer(files.job_events.bytes))
    const eventTime = meta.row_groups[0]?.columns.find((c) => c.meta_data?.path_in_schema[0] === 'event_time')
    expect(eventTime?.meta_data?.statistics?.min_value).toBeDefined()
    expect(eventTime?.meta_data?.statistics?.null_count).toBe(0n)
  })
})

describe('encodeParquet edge cases', () => {
  it('zero rows: a valid file with every column and no row group', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'bm-parquet-empty-'))
    try {
      const bytes = encodeParquet(TABLES.jobs, [])
      const meta = parquetMetadata(toArrayBuffer(bytes))
      expect(meta.num_rows).toBe(0n)
      expect(meta.row_groups).toHaveLength(0)
      const path = join(dataDir, 'empty.parquet')
      await writeFile(path, bytes)
      const engine = await createLocalEngine({ dataDir })
      try {
        const described = await engine.query(`DESCRIBE SELECT * FROM read_parquet('${path}')`)
        expect(described.map((d) => d.column_name)).toEqual(TABLES.jobs.columns.map((c) => c.name))
        expect(await engine.query(`SELECT count(*) AS n FROM read_parquet('${path}')`)).toEqual([{ n: 0 }])
      } finally {
        await engine.close()
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  })

  it('cells missing from a row are written as null', async () => {
    const bytes = encodeParquet(TABLES.jobs, [{ job_id: 'only-the-id' }])
    const [row] = await parquetReadObjects({ file: toArrayBuffer(bytes) })
    expect(row).toEqual({ ...Object.fromEntries(TABLES.jobs.columns.map((c) => [c.name, null])), job_id: 'only-the-id' })
  })

  it('splits row groups at rowGroupSize', () => {
    const rows = Array.from({ length: 5 }, (_, i) => ({ ...SAMPLE_ROWS.jobs[0], job_id: `job-${i}` }) as Row)
    const meta = parquetMetadata(toArrayBuffer(encodeParquet(TABLES.jobs, rows, { rowGroupSize: 2 })))
    expect(meta.row_groups.map((g) => g.num_rows)).toEqual([2n, 2n, 1n])
  })

  it.each([
    ['vcpus', 'four', 'double'],
    ['attempts', 1.5, 'int'],
    ['created_at', 1.5, 'timestamp'],
    ['created_at', '2024-05-01T00:00:00Z', 'timestamp'],
    ['is_array_parent', 'false', 'boolean'],
    ['job_queue', 7, 'string'],
  ] as const)('rejects %s = %j (a %s column) with a validation error naming the column', (column, value, _type) => {
    const bad = { ...SAMPLE_ROWS.jobs[0], [column]: value } as Row
    let caught: unknown
    try {
      encodeParquet(TABLES.jobs, [SAMPLE_ROWS.jobs[0] as Row, bad])
    } catch (e) {
      caught = e
    }
    expect(isBatchmeterError(caught) && caught.code).toBe('E_VALIDATE')
    expect((caught as Error).message).toContain(`Row 1 of table jobs: column ${column}`)
  })
})
