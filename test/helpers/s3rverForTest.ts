import { mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3'

/** The slice of s3rver (untyped CommonJS) the tests use. */
interface S3rverServer {
  run(): Promise<AddressInfo>
  close(): Promise<void>
}
type S3rverConstructor = new (options: { port: number; address: string; silent: boolean; directory: string }) => S3rverServer

export interface S3rverForTest {
  client: S3Client
  bucket: string
  endpoint: string
  stop(): Promise<void>
}

/**
 * An in-process s3rver on 127.0.0.1 (free port) with one bucket, and an S3 client for it:
 * path-style, dummy credentials, checksums only when required (otherwise s3rver stores
 * stream bodies with their aws-chunked framing).
 */
export async function startS3rverForTest(bucket = 'test-bucket'): Promise<S3rverForTest> {
  const directory = await mkdtemp(join(tmpdir(), 'bm-s3rver-'))
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory })
  const { port } = await server.run()
  const endpoint = `http://127.0.0.1:${port}`
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  })
  await client.send(new CreateBucketCommand({ Bucket: bucket }))
  return {
    client,
    bucket,
    endpoint,
    async stop() {
      client.destroy()
      await server.close()
      await rm(directory, { recursive: true, force: true })
    },
  }
}
