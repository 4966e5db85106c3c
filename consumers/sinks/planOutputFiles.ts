import { type Row, TABLES, TABLE_NAMES, type TableName } from '../../core/tables.js'
import { type DeadLetter, deadLetterLine } from '../pipeline/deadLetter.js'
import { encodeParquet } from './encodeParquet.js'
import { safeSegment } from './objectStore.js'

export interface OutputFile {
  key: string
  body: Uint8Array
  contentType: string
  /** Table name or 'dead-letter'. */
  table: TableName | 'dead-letter'
  rows: number
}

export interface TableRows {
  jobEvents: readonly Row[]
  jobs: readonly Row[]
  queueMinutes: readonly Row[]
  deadLetters: readonly DeadLetter[]
}

export const utcDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10)

/** `<prefix>/<table>/dt=YYYY-MM-DD/<fileId>.<ext>`, with an empty prefix allowed. */
export function objectKey(prefix: string, table: string, dt: string, fileId: string, ext: string): string {
  const p = prefix.replace(/^\/+|\/+$/g, '')
  return `${p ? `${p}/` : ''}${table}/dt=${dt}/${safeSegment(fileId)}.${ext}`
}

function byDate<T>(items: readonly T[], timeOf: (item: T) => number): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const dt = utcDate(timeOf(item))
    let g = groups.get(dt)
    if (!g) groups.set(dt, (g = []))
    g.push(item)
  }
  return groups
}

const ROWS_BY_TABLE: Record<TableName, keyof TableRows> = { job_events: 'jobEvents', jobs: 'jobs', queue_minutes: 'queueMinutes' }

/**
 * The files one flush writes: one Parquet file per table and date, one NDJSON file of
 * dead letters per date. Keys are deterministic in `fileId` (shard id + first sequence
 * number), so a replayed flush overwrites rather than duplicates.
 */
export function planOutputFiles(output: TableRows, prefix: string, fileId: string): OutputFile[] {
  const files: OutputFile[] = []
  for (const table of TABLE_NAMES) {
    const spec = TABLES[table]
    const rows = output[ROWS_BY_TABLE[table]] as readonly Row[]
    for (const [dt, group] of byDate(rows, (r) => r[spec.partitionFrom] as number)) {
      files.push({ key: objectKey(prefix, table, dt, fileId, 'parquet'), body: encodeParquet(spec, group), contentType: 'application/vnd.apache.parquet', table, rows: group.length })
    }
  }
  for (const [dt, group] of byDate(output.deadLetters, (d) => d.receivedAt)) {
    const body = new TextEncoder().encode(group.map(deadLetterLine).join('\n') + '\n')
    files.push({ key: objectKey(prefix, 'dead-letter', dt, fileId, 'ndjson'), body, contentType: 'application/x-ndjson', table: 'dead-letter', rows: group.length })
  }
  return files
}
