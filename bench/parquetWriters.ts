import { createRequire } from 'node:module'
import { Writable } from 'node:stream'
import { encodeParquet } from '../consumers/sinks/encodeParquet.js'
import { JOB_EVENTS } from '../core/tables.js'
import type { ColumnType, Row, TableSpec } from '../core/tables.js'
import { type BenchResult, rate } from './benchResult.js'

/** The slice of parquetjs-lite (untyped CommonJS) this benchmark uses. */
interface ParquetjsLite {
  ParquetSchema: new (fields: Record<string, { type: string; optional: boolean; compression: string }>) => unknown
  ParquetWriter: {
    openStream(schema: unknown, out: Writable, opts: Record<string, unknown>): Promise<{ appendRow(row: Row): Promise<void>; close(): Promise<void> }>
  }
}

const PARQUETJS_TYPE: Readonly<Record<ColumnType, string>> = {
  string: 'UTF8',
  timestamp: 'TIMESTAMP_MILLIS',
  double: 'DOUBLE',
  int: 'INT32',
  boolean: 'BOOLEAN',
  // parquetjs-lite's `repeated` layout is unreadable by Athena: maps go in as JSON strings.
  'map<string,string>': 'UTF8',
  'map<string,int>': 'UTF8',
}

/** Runs an async `fn` until at least `minMs` elapsed (and at least once, after one warm-up run); items per second. */
async function rateAsync(items: number, fn: () => Promise<unknown>, minMs = 1500): Promise<number> {
  await fn()
  let runs = 0
  const start = process.hrtime.bigint()
  let elapsed = 0
  do {
    await fn()
    runs++
    elapsed = Number(process.hrtime.bigint() - start) / 1e6
  } while (elapsed < minMs)
  return (items * runs) / (elapsed / 1000)
}

/** parquetjs-lite configured as well as it goes: Snappy per field, large row groups, v1 pages, no page index. */
async function encodeWithParquetjs(lib: ParquetjsLite, spec: TableSpec, rows: readonly Row[]): Promise<number> {
  const fields = Object.fromEntries(spec.columns.map((c) => [c.name, { type: PARQUETJS_TYPE[c.type], optional: true, compression: 'SNAPPY' }]))
  let bytes = 0
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      bytes += chunk.length
      done()
    },
  })
  const writer = await lib.ParquetWriter.openStream(new lib.ParquetSchema(fields), sink, { rowGroupSize: 100_000, useDataPageV2: false, pageIndex: false })
  for (const row of rows) await writer.appendRow(row)
  await writer.close()
  return bytes
}

/**
 * Parquet encoding rows/s on one core, hyparquet-writer (`encodeParquet`, the writer in use)
 * against parquetjs-lite over the same rows (maps as JSON strings, converted before timing).
 * parquetjs-lite is the floor measured in the same run; the ratio is hyparquet-writer / floor.
 * Pass `job_events` rows (the hot path); another table needs its spec.
 */
export async function benchParquetWriters(rows: readonly Row[], spec: TableSpec = JOB_EVENTS): Promise<BenchResult[]> {
  const n = rows.length
  const lib = createRequire(import.meta.url)('parquetjs-lite') as ParquetjsLite
  const mapColumns = spec.columns.filter((c) => c.type.startsWith('map<')).map((c) => c.name)
  const jsonRows = mapColumns.length === 0 ? rows : rows.map((r) => ({ ...r, ...Object.fromEntries(mapColumns.map((m) => [m, r[m] == null ? null : JSON.stringify(r[m])])) }))

  let hyparquetBytes = 0
  const hyparquet = rate(n, () => {
    hyparquetBytes = encodeParquet(spec, rows).byteLength
  })
  let parquetjsBytes = 0
  const parquetjs = await rateAsync(n, async () => {
    parquetjsBytes = await encodeWithParquetjs(lib, spec, jsonRows)
  })
  return [
    { name: `floor: parquetjs-lite encode (${spec.name})`, value: Math.round(parquetjs), unit: 'rows/s', floor: Math.round(parquetjs), ratio: 1 },
    {
      name: `hyparquet-writer encodeParquet (${spec.name})`,
      value: Math.round(hyparquet),
      unit: 'rows/s',
      floor: Math.round(parquetjs),
      ratio: hyparquet / parquetjs,
      target: '≥ 150,000 rows/s',
      met: hyparquet >= 150_000,
    },
    { name: `file size, hyparquet-writer (${n} rows)`, value: hyparquetBytes, unit: 'bytes' },
    { name: `file size, parquetjs-lite (${n} rows)`, value: parquetjsBytes, unit: 'bytes' },
  ]
}
