/**
 * Compaction: rewrites one day's small files of a keyed table (`jobs`, `job_events`)
 * into one large file, deduped by the table's key and sorted by time, so Athena reads
 * few large files whose min/max statistics prune row groups.
 *
 * Safe while the consumer writes, and idempotent:
 * 1. list the day's files (files written later are left for the next run);
 * 2. write the new file under a key derived from the inputs (`compacted-<hash>.parquet`:
 *    the same inputs give the same key, a re-run overwrites it with the same rows);
 * 3. only then delete the inputs.
 * Between 2 and 3 each row is in two files, and the dedupe views (jobs_deduped,
 * job_events_deduped), which reports read, show it once: readers see no gap and no
 * duplicate at any step. A crash anywhere leaves duplicates the views hide and the next
 * run folds away. `queue_minutes` is not compacted: its rows add up per flush and carry
 * no key, so a reader could count a row twice between steps 2 and 3.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { BatchmeterError, ErrorCode } from '../../core/errors.js'
import { TABLES, type ColumnType } from '../../core/tables.js'
import type { ObjectStore } from '../sinks/objectStore.js'
import { objectKey } from '../sinks/planOutputFiles.js'

export const COMPACTABLE_TABLES = ['jobs', 'job_events'] as const
export type CompactableTable = (typeof COMPACTABLE_TABLES)[number]

export const CompactionStep = { Listed: 'listed', Written: 'written', Deleted: 'deleted' } as const
export type CompactionStep = (typeof CompactionStep)[keyof typeof CompactionStep]

export interface CompactPartitionOptions {
  store: ObjectStore
  /** Key prefix of the tables ('' for none). */
  prefix: string
  table: CompactableTable
  /** The day, `YYYY-MM-DD`. */
  dt: string
  /** Rows per Parquet row group in the output. Default 122_880. */
  rowGroupSize?: number
  /** Called after each step (tests pause here to read the table mid-way). */
  onStep?: (step: CompactionStep, detail: { key?: string }) => void | Promise<void>
}

export interface CompactPartitionResult {
  table: CompactableTable
  dt: string
  inputFiles: number
  inputRows: number
  outputRows: number
  duplicatesDropped: number
  bytesBefore: number
  bytesAfter: number
  /** The new file; absent when nothing needed doing. */
  outputKey?: string
  /** Why nothing was done. */
  skipped?: string
}

const DUCK_TYPE: Readonly<Record<ColumnType, string>> = {
  string: 'VARCHAR', timestamp: 'TIMESTAMP', double: 'DOUBLE', int: 'INTEGER', boolean: 'BOOLEAN',
  'map<string,string>': 'MAP(VARCHAR, VARCHAR)', 'map<string,int>': 'MAP(VARCHAR, INTEGER)',
}
const COMPACTED = /\/compacted-[0-9a-f]{16}\.parquet$/
const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`
const ident = (s: string): string => `"${s.replaceAll('"', '""')}"`

/** Compacts one table-day; see the file comment for the protocol. */
export async function compactPartition(options: CompactPartitionOptions): Promise<CompactPartitionResult> {
  const { store, prefix, table, dt, rowGroupSize = 122_880, onStep } = options
  if (!(COMPACTABLE_TABLES as readonly string[]).includes(table)) {
    throw new BatchmeterError(ErrorCode.Usage, `Table "${table}" cannot be compacted safely; compact ${COMPACTABLE_TABLES.join(' or ')} (queue_minutes rows add up per flush and have no key to dedupe by).`)
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(dt)) throw new BatchmeterError(ErrorCode.Usage, `--date must be YYYY-MM-DD, got "${dt}".`)
  const spec = TABLES[table]
  const folder = objectKey(prefix, table, dt, 'x', 'parquet').slice(0, -'x.parquet'.length)
  const inputs: { key: string; size: number }[] = []
  for await (const o of store.list(folder)) if (o.key.endsWith('.parquet') && !o.key.slice(folder.length).includes('/')) inputs.push(o)
  inputs.sort((a, b) => (a.key < b.key ? -1 : 1))
  await onStep?.(CompactionStep.Listed, {})
  const bytesBefore = inputs.reduce((a, o) => a + o.size, 0)
  const base = { table, dt, inputFiles: inputs.length, bytesBefore }
  if (inputs.length === 0) return { ...base, inputRows: 0, outputRows: 0, duplicatesDropped: 0, bytesAfter: 0, skipped: 'no files for that day' }
  if (inputs.length === 1 && COMPACTED.test(inputs[0]!.key)) return { ...base, inputRows: 0, outputRows: 0, duplicatesDropped: 0, bytesAfter: bytesBefore, skipped: 'already compacted' }

  const hash = createHash('sha256').update(inputs.map((o) => `${o.key}\0${o.size}`).join('\n')).digest('hex').slice(0, 16)
  const outputKey = `${folder}compacted-${hash}.parquet`
  const work = await mkdtemp(join(tmpdir(), 'batchmeter-compact-'))
  const instance = await DuckDBInstance.create(':memory:')
  try {
    const connection = await instance.connect()
    await connection.run("SET TimeZone = 'UTC'")
    const paths: string[] = []
    for (const [i, o] of inputs.entries()) {
      const body = await store.get(o.key)
      if (body === undefined) continue // deleted since the listing (another compaction): its rows are in that one's output
      const path = join(work, `in-${i}.parquet`)
      await writeFile(path, body)
      paths.push(path)
    }
    const source = `read_parquet([${paths.map(sqlString).join(', ')}], union_by_name = true)`
    const columns = spec.columns.map((c) => `CAST(${ident(c.name)} AS ${DUCK_TYPE[c.type]}) AS ${ident(c.name)}`).join(', ')
    const key = spec.key.map(ident).join(', ')
    const order = table === 'jobs' ? 'stopped_at DESC, attempts DESC' : `${ident(spec.partitionFrom)} DESC`
    const out = join(work, 'out.parquet')
    const [counts] = (await connection.runAndReadAll(`SELECT count(*)::BIGINT AS n, count(DISTINCT (${key}))::BIGINT AS k FROM ${source}`)).getRowObjectsJS()
    await connection.run(
      `COPY (SELECT ${columns} FROM ${source} QUALIFY row_number() OVER (PARTITION BY ${key} ORDER BY ${order}) = 1 ORDER BY ${ident(spec.partitionFrom)}, ${key}) ` +
        `TO ${sqlString(out)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${rowGroupSize})`,
    )
    const [written] = (await connection.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM read_parquet(${sqlString(out)})`)).getRowObjectsJS()
    const inputRows = Number(counts?.n)
    const outputRows = Number(written?.n)
    if (outputRows !== Number(counts?.k)) {
      throw new BatchmeterError(ErrorCode.S3Write, `Compaction of ${folder} wrote ${outputRows} rows for ${String(counts?.k)} keys; nothing was deleted. Report this as a bug.`, { context: { folder } })
    }
    connection.closeSync()
    const body = new Uint8Array(await readFile(out))
    await store.put(outputKey, body, 'application/vnd.apache.parquet')
    await onStep?.(CompactionStep.Written, { key: outputKey })
    for (const o of inputs) {
      if (o.key === outputKey) continue
      await store.delete(o.key)
      await onStep?.(CompactionStep.Deleted, { key: o.key })
    }
    return { ...base, inputRows, outputRows, duplicatesDropped: inputRows - outputRows, bytesAfter: body.byteLength, outputKey }
  } finally {
    instance.closeSync()
    await rm(work, { recursive: true, force: true })
  }
}
