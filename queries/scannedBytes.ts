/**
 * Bytes a query scanned, the way Athena bills Parquet: the column chunks of the columns
 * it reads, in the files its partition filter keeps (footers and row-group skipping
 * aside). Worked out from DuckDB's JSON profile: each READ_PARQUET operator names its
 * projected columns, its file filter on `dt` and a sample of its files (which tells the
 * table folder); the folder's files are then filtered by the same expression and the
 * chunk sizes summed from their Parquet footers. JSON scans (dead letters) count whole files.
 */
import { readdir, stat } from 'node:fs/promises'
import { dirname, join, sep } from 'node:path'
import type { DuckDBConnection } from '@duckdb/node-api'

interface ProfileNode {
  extra_info?: Record<string, unknown>
  children?: ProfileNode[]
}

interface ScanInfo {
  kind: 'parquet' | 'json'
  folder: string
  columns: string[]
  fileFilter: string | undefined
}

const listOf = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v !== '' ? v.split('\n').map((s) => s.trim()).filter(Boolean) : [])

/** The table folder of a data file: the path up to its `dt=` segment. */
function tableFolder(file: string): string {
  const at = file.indexOf(`${sep}dt=`)
  return at < 0 ? dirname(file) : file.slice(0, at)
}

function scansOf(node: ProfileNode, out: ScanInfo[] = []): ScanInfo[] {
  const info = node.extra_info ?? {}
  const fn = info.Function
  if (fn === 'READ_PARQUET' || fn === 'READ_JSON' || fn === 'READ_JSON_AUTO') {
    const first = String(info['Filename(s)'] ?? '').split(', ')[0]
    if (first) {
      out.push({
        kind: fn === 'READ_PARQUET' ? 'parquet' : 'json',
        folder: tableFolder(first),
        columns: listOf(info.Projections).filter((c) => c !== 'dt'),
        fileFilter: typeof info['File Filters'] === 'string' ? info['File Filters'] : undefined,
      })
    }
  }
  for (const child of node.children ?? []) scansOf(child, out)
  return out
}

async function filesUnder(dir: string, ext: RegExp): Promise<string[]> {
  const out: string[] = []
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => [])
    for (const e of entries) {
      const p = join(d, e.name)
      if (e.isDirectory()) await walk(p)
      else if (e.isFile() && ext.test(e.name)) out.push(p)
    }
  }
  await walk(dir)
  return out.sort()
}

const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`

export interface ScannedBytesCache {
  /** `path\0size\0mtime` → compressed bytes per top-level column. */
  chunks: Map<string, Map<string, number>>
}

export const createScannedBytesCache = (): ScannedBytesCache => ({ chunks: new Map() })

/** Files of the folder kept by DuckDB's file filter (an expression over `dt`). */
async function keptFiles(connection: DuckDBConnection, files: string[], filter: string | undefined): Promise<string[]> {
  if (filter === undefined || files.length === 0) return files
  const rows = files.map((f) => {
    const m = /dt=(\d{4}-\d{2}-\d{2})/.exec(f)
    return `(${sqlString(f)}, ${m ? `DATE ${sqlString(m[1] as string)}` : 'NULL::DATE'})`
  })
  const reader = await connection.runAndReadAll(`SELECT file FROM (VALUES ${rows.join(', ')}) files(file, dt) WHERE ${filter}`)
  return reader.getRowObjectsJS().map((r) => String(r.file))
}

async function chunkSizes(connection: DuckDBConnection, file: string, cache: ScannedBytesCache): Promise<Map<string, number>> {
  const s = await stat(file)
  const key = `${file}\0${s.size}\0${s.mtimeMs}`
  const hit = cache.chunks.get(key)
  if (hit) return hit
  const reader = await connection.runAndReadAll(`SELECT path_in_schema AS path, sum(total_compressed_size)::BIGINT AS bytes FROM parquet_metadata(${sqlString(file)}) GROUP BY 1`)
  const sizes = new Map<string, number>()
  for (const r of reader.getRowObjectsJS()) {
    // Map columns have several leaves (tags.key_value.key…): count them under the top-level name.
    const top = String(r.path).split('.')[0] as string
    sizes.set(top, (sizes.get(top) ?? 0) + Number(r.bytes))
  }
  cache.chunks.set(key, sizes)
  return sizes
}

/** Bytes scanned by the query whose DuckDB JSON profile is `profile`. */
export async function scannedBytes(connection: DuckDBConnection, profile: unknown, cache: ScannedBytesCache): Promise<number> {
  let total = 0
  for (const scan of scansOf(profile as ProfileNode)) {
    const files = await keptFiles(connection, await filesUnder(scan.folder, scan.kind === 'parquet' ? /\.parquet$/ : /json/), scan.fileFilter)
    for (const file of files) {
      if (scan.kind === 'json') {
        total += (await stat(file)).size
        continue
      }
      const sizes = await chunkSizes(connection, file, cache)
      for (const c of scan.columns) total += sizes.get(c) ?? 0
    }
  }
  return total
}
