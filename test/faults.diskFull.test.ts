import { PutObjectCommand } from '@aws-sdk/client-s3'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { isBatchmeterError } from '../core/errors.js'
import { syncFromS3 } from '../queries/syncFromS3.js'
import { type S3rverForTest, startS3rverForTest } from './helpers/s3rverForTest.js'

/** Bytes the local disk still takes; undefined: unlimited. Writes past it fail with ENOSPC, as a full disk does. */
const disk = vi.hoisted(() => ({ budget: undefined as number | undefined, used: 0 }))

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>()
  const createWriteStream = (path: string, options?: unknown) => {
    const real = fs.createWriteStream(path, options as Parameters<typeof fs.createWriteStream>[1])
    if (disk.budget === undefined) return real
    return new Writable({
      write(chunk: Buffer, _enc, done) {
        const room = (disk.budget ?? Infinity) - disk.used
        if (chunk.length <= room) {
          disk.used += chunk.length
          return real.write(chunk, done)
        }
        // What fits is written, then the device is full: a partial file is on disk.
        disk.used += Math.max(0, room)
        real.write(chunk.subarray(0, Math.max(0, room)), () => done(Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: 'ENOSPC', errno: -28, syscall: 'write' })))
      },
      final(done) {
        real.end(done)
      },
      destroy(error, done) {
        real.destroy()
        done(error)
      },
    })
  }
  return { ...fs, default: { ...fs, createWriteStream }, createWriteStream }
})

let s3: S3rverForTest
const sizes = new Map<string, number>()

beforeAll(async () => {
  s3 = await startS3rverForTest('cache-bucket')
  for (let i = 0; i < 6; i++) {
    const key = `bm/jobs/dt=2026-11-30/file-${i}.parquet`
    const bytes = Buffer.alloc(40_000 + i * 10_000, i)
    sizes.set(key.slice('bm/'.length), bytes.length)
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: bytes }))
  }
})
afterAll(async () => {
  await s3?.stop()
})

async function filesUnder(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      if (e.isDirectory()) await walk(p)
      else out.set(relative(dir, p), (await stat(p)).size)
    }
  }
  await walk(dir)
  return out
}

describe('the local cache on a full disk', () => {
  it('fails with one error naming the folder and its free space, keeps no partial file, and the next sync completes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bm-full-'))
    try {
      disk.used = 0
      disk.budget = 150_000 // room for about three of the six files
      const error = await syncFromS3({ client: s3.client, bucket: s3.bucket, prefix: 'bm', dir, concurrency: 2 }).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(isBatchmeterError(error) && error.code).toBe('E_LOCAL_CACHE')
      const message = (error as Error).message
      expect(message).toContain(dir)
      expect(message).toMatch(/\d+ MiB free/)
      expect(message).toMatch(/free some space|larger disk/)
      expect(message.split('\n')).toHaveLength(1)

      // Only whole files: each one present has its object's size; the download area is empty.
      const present = await filesUnder(dir)
      const data = [...present].filter(([p]) => !p.startsWith('.batchmeter-sync'))
      expect(data.length).toBeGreaterThan(0)
      expect(data.length).toBeLessThan(sizes.size)
      for (const [p, size] of data) expect(size, p).toBe(sizes.get(p))
      expect([...present.keys()].filter((p) => p.startsWith('.batchmeter-sync.tmp/'))).toEqual([])

      // Space freed: the next sync downloads the rest and skips what is already there.
      disk.budget = undefined
      const again = await syncFromS3({ client: s3.client, bucket: s3.bucket, prefix: 'bm', dir })
      expect(again.downloaded + again.skipped).toBe(sizes.size)
      expect(again.skipped).toBe(data.length)
      const all = [...(await filesUnder(dir))].filter(([p]) => !p.startsWith('.batchmeter-sync'))
      expect(new Map(all)).toEqual(sizes)
    } finally {
      disk.budget = undefined
      await rm(dir, { recursive: true, force: true })
    }
  })
})
