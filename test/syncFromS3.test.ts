import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { isBatchmeterError } from '../core/errors.js'
import { syncFromS3 } from '../queries/syncFromS3.js'
import { startS3rverForTest, type S3rverForTest } from './helpers/s3rverForTest.js'

let s3: S3rverForTest
let dir: string
let prefix: string
let run = 0

beforeAll(async () => {
  s3 = await startS3rverForTest()
})
afterAll(async () => {
  await s3?.stop()
})
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bm-sync-'))
  prefix = `run-${++run}`
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const put = (key: string, body: string | Uint8Array): Promise<unknown> => s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }))
const sync = (): ReturnType<typeof syncFromS3> => syncFromS3({ client: s3.client, bucket: s3.bucket, prefix, dir })
const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false)

describe('syncFromS3 against s3rver', () => {
  it('mirrors the keys below the prefix, then skips unchanged files', async () => {
    // Prepare
    const parquet = new Uint8Array(100_000).map((_, i) => i % 251)
    await put(`${prefix}/jobs/dt=2024-05-01/shard-1.parquet`, parquet)
    await put(`${prefix}/jobs/dt=2024-05-02/shard-1.parquet`, 'second')
    await put(`${prefix}/dead-letter/dt=2024-05-01/shard-1.ndjson`, '{"reason":"x"}\n')
    await put(`${prefix}-other/jobs/not-mine.parquet`, 'not below the prefix')

    // Act
    const first = await sync()
    const second = await sync()

    // Assess
    expect(first).toEqual({ downloaded: 3, skipped: 0, deleted: 0, bytes: 100_000 + 6 + 15 })
    expect(new Uint8Array(await readFile(join(dir, 'jobs', 'dt=2024-05-01', 'shard-1.parquet')))).toEqual(parquet)
    expect(await readFile(join(dir, 'dead-letter', 'dt=2024-05-01', 'shard-1.ndjson'), 'utf8')).toBe('{"reason":"x"}\n')
    expect(await exists(join(dir, 'jobs', 'not-mine.parquet'))).toBe(false)
    expect(second).toEqual({ downloaded: 0, skipped: 3, deleted: 0, bytes: 0 })
  })

  it('downloads a changed object again and deletes the local copy of a deleted one', async () => {
    await put(`${prefix}/jobs/dt=2024-05-01/a.parquet`, 'v1')
    await put(`${prefix}/jobs/dt=2024-05-02/b.parquet`, 'gone soon')
    await sync()

    await put(`${prefix}/jobs/dt=2024-05-01/a.parquet`, 'v2 longer')
    await s3.client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/jobs/dt=2024-05-02/b.parquet` }))
    const result = await sync()

    expect(result).toEqual({ downloaded: 1, skipped: 0, deleted: 1, bytes: 9 })
    expect(await readFile(join(dir, 'jobs', 'dt=2024-05-01', 'a.parquet'), 'utf8')).toBe('v2 longer')
    expect(await exists(join(dir, 'jobs', 'dt=2024-05-02'))).toBe(false)
  })

  it('re-downloads a file removed locally, and leaves files it did not write alone', async () => {
    await put(`${prefix}/jobs/dt=2024-05-01/a.parquet`, 'v1')
    await sync()
    await rm(join(dir, 'jobs', 'dt=2024-05-01', 'a.parquet'))
    const mine = join(dir, 'notes.txt')
    await writeFile(mine, 'keep me')

    expect(await sync()).toEqual({ downloaded: 1, skipped: 0, deleted: 0, bytes: 2 })
    expect(await readFile(mine, 'utf8')).toBe('keep me')
  })

  it.each(['../../escape.txt', 'jobs/../../escape.txt', '/etc/escape.txt', 'jobs/./x.parquet', 'jobs//x.parquet', '.batchmeter-sync.json'])(
    'rejects the key <prefix>/%s, naming it, before writing anything',
    async (rest) => {
      // s3rver normalises dot segments and double slashes in the URL path, so it cannot
      // hold these keys (real S3 can): the listing gets them added on the way back.
      const key = `${prefix}/${rest}`
      await put(`${prefix}/jobs/dt=2024-05-01/a.parquet`, 'fine')
      const client = withExtraListedKey(key)

      const error = await syncFromS3({ client, bucket: s3.bucket, prefix, dir }).then(() => undefined, (e: unknown) => e)

      expect(isBatchmeterError(error) && error.code).toBe('E_S3_READ')
      expect((error as Error).message).toContain(`"${key}"`)
      expect(await exists(join(dir, 'jobs'))).toBe(false)
      expect(await exists(join(dir, '..', 'escape.txt'))).toBe(false)
    },
  )

  it('rejects a key with backslashes (a Windows-style traversal) stored in s3rver', async () => {
    const key = `${prefix}/a\\..\\..\\escape.txt`
    await put(key, 'evil')
    const error = await sync().then(() => undefined, (e: unknown) => e)
    expect(isBatchmeterError(error) && error.code).toBe('E_S3_READ')
    expect((error as Error).message).toContain(`"${key}"`)
  })
})

/** The s3rver client, with one more key in the first ListObjectsV2 page. */
function withExtraListedKey(key: string): Pick<S3Client, 'send'> {
  return {
    send: (async (command: unknown, options?: unknown) => {
      const out = await (s3.client.send as (c: unknown, o?: unknown) => Promise<unknown>)(command, options)
      if (!(command instanceof ListObjectsV2Command)) return out
      const page = out as ListObjectsV2CommandOutput
      return { ...page, Contents: [...(page.Contents ?? []), { Key: key, Size: 4, ETag: '"evil"' }] }
    }) as S3Client['send'],
  }
}

describe('syncFromS3 paging', () => {
  // s3rver 3.7 builds continuation tokens with DES, which Node 20's OpenSSL 3 refuses
  // (ERR_OSSL_EVP_UNSUPPORTED → 500 InternalError) unless node runs with
  // --openssl-legacy-provider: the paging loop is checked against a paged in-memory bucket.
  it('follows ListObjectsV2 continuation tokens', async () => {
    const keys = Array.from({ length: 2500 }, (_, i) => `bm/jobs/dt=2024-05-01/f${String(i).padStart(4, '0')}.parquet`)
    const requests: (string | undefined)[] = []
    const client = {
      send: (async (command: unknown) => {
        if (command instanceof ListObjectsV2Command) {
          requests.push(command.input.ContinuationToken)
          const start = Number(command.input.ContinuationToken ?? 0)
          const page = keys.slice(start, start + 1000)
          const next = start + page.length
          return { Contents: page.map((Key) => ({ Key, Size: 1, ETag: '"e"' })), IsTruncated: next < keys.length, NextContinuationToken: next < keys.length ? String(next) : undefined }
        }
        if (command instanceof GetObjectCommand) return { Body: Readable.from([Buffer.from('x')]), ETag: '"e"' }
        throw new Error('unexpected command')
      }) as S3Client['send'],
    }

    const result = await syncFromS3({ client, bucket: 'b', prefix: 'bm', dir })

    expect(requests).toEqual([undefined, '1000', '2000'])
    expect(result).toEqual({ downloaded: 2500, skipped: 0, deleted: 0, bytes: 2500 })
    expect(await readdir(join(dir, 'jobs', 'dt=2024-05-01'))).toHaveLength(2500)
  })
})
