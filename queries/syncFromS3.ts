import { createWriteStream } from 'node:fs'
import { mkdir, readFile, realpath, rename, rm, rmdir, stat, statfs, writeFile } from 'node:fs/promises'
import { randomUUID } from 'node:crypto'
import { dirname, isAbsolute, join, resolve, sep } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3'
import { BatchmeterError, ErrorCode } from '../core/errors.js'
import { isRetriable, withRetry } from '../core/retry.js'

export interface SyncFromS3Options {
  client: Pick<S3Client, 'send'>
  bucket: string
  /** Key prefix to mirror, as a folder ('bm' and 'bm/' are the same); '' mirrors the whole bucket. */
  prefix: string
  /** Local folder; keys land at `<dir>/<key below the prefix>`. Created if missing. */
  dir: string
  signal?: AbortSignal
  /** Parallel downloads. Default 8. */
  concurrency?: number
}

export interface SyncFromS3Result {
  downloaded: number
  skipped: number
  /** Local files removed because their objects are gone. */
  deleted: number
  /** Bytes downloaded. */
  bytes: number
}

/** Kept in `dir`; records the ETag and size of every file the sync wrote. */
const MANIFEST = '.batchmeter-sync.json'
/** Downloads land here first, then are renamed into place: a reader never sees half a file. */
const TMP_DIR = '.batchmeter-sync.tmp'
const RESERVED = /^\.batchmeter-sync/

interface ManifestEntry {
  etag: string
  size: number
}
interface Manifest {
  source: string
  files: Record<string, ManifestEntry>
}
interface RemoteObject extends ManifestEntry {
  key: string
  rel: string
  path: string
}

const normalizePrefix = (prefix: string): string => (prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`)

function traversal(key: string, dir: string, why: string): BatchmeterError {
  return new BatchmeterError(ErrorCode.S3Read, `S3 key "${key}" ${why}, so it cannot be mirrored under ${dir}; nothing was downloaded. Rename or remove that object.`, {
    context: { key },
  })
}

/**
 * The local path of a key, or an error naming the key: the part below the prefix must be
 * plain relative segments (no `..`, `.`, empty or absolute segments, no backslash or NUL),
 * and must resolve inside `dir`.
 */
export function localPathFor(dir: string, prefix: string, key: string): string {
  const rel = key.slice(prefix.length)
  const segments = rel.split('/')
  if (rel === '' || isAbsolute(rel) || /^[A-Za-z]:/.test(rel) || /[\\\0]/.test(rel)) throw traversal(key, dir, 'is absolute or holds a backslash or NUL below the prefix')
  if (segments.some((s) => s === '' || s === '.' || s === '..')) throw traversal(key, dir, 'has an empty, "." or ".." path segment')
  if (RESERVED.test(segments[0] as string)) throw traversal(key, dir, `uses the name reserved for the sync manifest (${MANIFEST})`)
  const path = resolve(dir, ...segments)
  if (!path.startsWith(dir + sep)) throw traversal(key, dir, 'resolves outside the folder')
  return path
}

async function readManifest(dir: string, source: string): Promise<Manifest> {
  try {
    const m = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as Partial<Manifest>
    if (m.source === source && typeof m.files === 'object' && m.files !== null) return { source, files: m.files }
  } catch {
    // Missing or unreadable: start over; every file is downloaded again.
  }
  return { source, files: {} }
}

async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  const tmp = join(dir, TMP_DIR, `manifest-${randomUUID()}`)
  try {
    await writeFile(tmp, JSON.stringify(manifest))
    await rename(tmp, join(dir, MANIFEST))
  } catch (error) {
    await rm(tmp, { force: true })
    throw error
  }
}

const sizeOf = async (path: string): Promise<number | undefined> => (await stat(path).catch(() => undefined))?.size

/** Removes now-empty folders from `from` up to, not including, `dir`. */
async function pruneEmptyFolders(from: string, dir: string): Promise<void> {
  for (let d = from; d.startsWith(dir + sep); d = dirname(d)) {
    if (!(await rmdir(d).then(() => true, () => false))) return
  }
}

const DISK_FULL = new Set(['ENOSPC', 'EDQUOT'])

/** The local folder is full: say which folder, how much room is left, and what to do. */
async function diskFull(dir: string, key: string, cause: unknown): Promise<BatchmeterError> {
  const free = await statfs(dir).then((s) => `${Math.round((s.bavail * s.bsize) / 1024 / 1024)} MiB free`, () => 'free space unknown')
  return new BatchmeterError(ErrorCode.LocalCache, `No space left in the local cache folder ${dir} (${free}) while downloading "${key}"; free some space or point the cache at a larger disk. Nothing partial was kept.`, {
    cause,
    context: { dir, key },
  })
}

function s3Error(action: string, key: string, cause: unknown): BatchmeterError {
  if (cause instanceof BatchmeterError) return cause
  return new BatchmeterError(ErrorCode.S3Read, `Could not ${action} s3 key "${key}": ${(cause as Error).message}. Check the endpoint, credentials and bucket.`, {
    retriable: isRetriable(cause),
    cause,
    context: { key },
  })
}

/**
 * Mirrors `s3://bucket/prefix` into `dir` for the local engine (DuckDB cannot read S3
 * here). Files whose ETag and size match the manifest are skipped; files the sync wrote
 * whose objects are gone are deleted (files it did not write are left alone). Every key
 * is checked before anything is written: one that would land outside `dir` fails the sync.
 */
export async function syncFromS3(options: SyncFromS3Options): Promise<SyncFromS3Result> {
  const { client, bucket, signal, concurrency = 8 } = options
  const prefix = normalizePrefix(options.prefix)
  await mkdir(join(options.dir, TMP_DIR), { recursive: true })
  const dir = await realpath(resolve(options.dir))
  const retry = { signal }

  // 1. List everything and check every key.
  const remote: RemoteObject[] = []
  let token: string | undefined
  do {
    const page = await withRetry(() => client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix || undefined, ContinuationToken: token }), { abortSignal: signal }), retry).catch(
      (cause: unknown) => Promise.reject(s3Error('list', prefix, cause)),
    )
    for (const o of page.Contents ?? []) {
      if (o.Key === undefined || o.Key.endsWith('/')) continue // folder markers
      remote.push({ key: o.Key, rel: o.Key.slice(prefix.length), path: localPathFor(dir, prefix, o.Key), etag: o.ETag ?? '', size: o.Size ?? 0 })
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined
  } while (token)

  const manifest = await readManifest(dir, `s3://${bucket}/${prefix}`)
  const result: SyncFromS3Result = { downloaded: 0, skipped: 0, deleted: 0, bytes: 0 }

  // 2. Delete what is gone.
  const present = new Set(remote.map((o) => o.rel))
  for (const rel of Object.keys(manifest.files)) {
    if (present.has(rel)) continue
    delete manifest.files[rel]
    const path = resolve(dir, ...rel.split('/'))
    if (!path.startsWith(dir + sep)) continue // a manifest edited by hand; never delete outside dir
    await rm(path, { force: true })
    await pruneEmptyFolders(dirname(path), dir)
    result.deleted++
  }

  // 3. Download what changed.
  const queue: RemoteObject[] = []
  for (const o of remote) {
    const known = manifest.files[o.rel]
    if (known?.etag === o.etag && known.size === o.size && (await sizeOf(o.path)) === o.size) result.skipped++
    else queue.push(o)
  }
  const download = async (o: RemoteObject): Promise<void> => {
    const tmp = join(dir, TMP_DIR, randomUUID())
    try {
      const got = await withRetry(async () => {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: o.key }), { abortSignal: signal })
        if (!(res.Body instanceof Readable)) throw new BatchmeterError(ErrorCode.S3Read, `GetObject for "${o.key}" returned no stream body.`)
        await pipeline(res.Body, createWriteStream(tmp), { signal })
        return { etag: res.ETag ?? o.etag, size: (await sizeOf(tmp)) ?? 0 }
      }, retry)
      await mkdir(dirname(o.path), { recursive: true })
      // A symlinked folder inside dir must not carry the file outside it.
      const parent = await realpath(dirname(o.path))
      if (parent !== dir && !parent.startsWith(dir + sep)) throw traversal(o.key, dir, 'goes through a symbolic link that leaves the folder')
      await rename(tmp, o.path)
      manifest.files[o.rel] = got
      result.downloaded++
      result.bytes += got.size
    } catch (cause) {
      await rm(tmp, { force: true })
      if ((cause as { name?: string }).name === 'NoSuchKey') return // deleted since the listing: gone
      if (DISK_FULL.has((cause as { code?: string }).code ?? '')) throw await diskFull(dir, o.key, cause)
      throw s3Error('download', o.key, cause)
    }
  }
  let failure: unknown
  const worker = async (): Promise<void> => {
    for (let o = queue.shift(); o !== undefined && failure === undefined; o = queue.shift()) {
      await download(o).catch((e: unknown) => {
        failure ??= e
      })
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, queue.length)) }, worker))
  } finally {
    // Keep what was done, even on failure: the next sync skips it. A manifest that cannot
    // be written (the disk is full) must not hide the download's own error.
    await writeManifest(dir, manifest).catch((error: unknown) => {
      if (failure === undefined) throw error
    })
  }
  if (failure !== undefined) throw failure
  return result
}
