/**
 * Bytes a query scanned, the way Athena bills Parquet: the column chunks it reads.
 * Measured, not estimated: DuckDB's FileSystem log records every read (path, position,
 * length) the query made; per Parquet file, the union of those byte ranges is
 * intersected with the file's column-chunk regions (from its footer), so footer reads
 * and overlapping reads are not counted and partition pruning and column projection
 * show as they happened. Other files (dead-letter JSON) count every byte read.
 */
import { stat } from 'node:fs/promises'
import type { DuckDBConnection } from '@duckdb/node-api'

export interface FileRead {
  path: string
  pos: number
  bytes: number
}

type Range = readonly [start: number, end: number]

export interface ScannedBytesCache {
  /** `path\0size\0mtime` → the file's column-chunk byte ranges, merged. */
  chunks: Map<string, Range[]>
}

export const createScannedBytesCache = (): ScannedBytesCache => ({ chunks: new Map() })

const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`

/** Sorted, non-overlapping union of ranges. */
export function mergeRanges(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0])
  const out: [number, number][] = []
  for (const [s, e] of sorted) {
    const last = out[out.length - 1]
    if (last && s <= last[1]) last[1] = Math.max(last[1], e)
    else out.push([s, e])
  }
  return out
}

/** Bytes in both unions (each sorted and merged). */
function overlap(a: readonly Range[], b: readonly Range[]): number {
  let total = 0
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    const [as, ae] = a[i] as Range
    const [bs, be] = b[j] as Range
    total += Math.max(0, Math.min(ae, be) - Math.max(as, bs))
    if (ae < be) i++
    else j++
  }
  return total
}

async function chunkRanges(connection: DuckDBConnection, file: string, cache: ScannedBytesCache): Promise<Range[]> {
  const s = await stat(file)
  const key = `${file}\0${s.size}\0${s.mtimeMs}`
  const hit = cache.chunks.get(key)
  if (hit) return hit
  const reader = await connection.runAndReadAll(
    `SELECT coalesce(least(dictionary_page_offset, data_page_offset), data_page_offset)::BIGINT AS start, total_compressed_size::BIGINT AS size FROM parquet_metadata(${sqlString(file)})`,
  )
  const ranges = mergeRanges(reader.getRowObjectsJS().map((r) => [Number(r.start), Number(r.start) + Number(r.size)] as const))
  cache.chunks.set(key, ranges)
  return ranges
}

/** Column-chunk bytes (Parquet) and bytes (other files) that `reads` touched. */
export async function scannedBytes(connection: DuckDBConnection, reads: readonly FileRead[], cache: ScannedBytesCache): Promise<number> {
  const byFile = new Map<string, Range[]>()
  for (const r of reads) {
    let list = byFile.get(r.path)
    if (!list) byFile.set(r.path, (list = []))
    list.push([r.pos, r.pos + r.bytes])
  }
  let total = 0
  for (const [path, ranges] of byFile) {
    const read = mergeRanges(ranges)
    if (path.endsWith('.parquet')) total += overlap(read, await chunkRanges(connection, path, cache))
    else total += read.reduce((a, [s, e]) => a + e - s, 0)
  }
  return total
}
