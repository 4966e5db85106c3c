import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { BatchmeterError, ErrorCode } from '../../core/errors.js'
import { type RetryOptions, withRetry } from '../../core/retry.js'
import { type ObjectStore, assertSafeKey } from './objectStore.js'

export interface S3ObjectStoreOptions {
  client: S3Client
  bucket: string
  retry?: RetryOptions
}

/** An ObjectStore on an S3 bucket; every call retried on throttles and 5xx. */
export function createS3ObjectStore({ client, bucket, retry }: S3ObjectStoreOptions): ObjectStore {
  const fail = (code: ErrorCode, what: string, key: string, cause: unknown): never => {
    throw new BatchmeterError(code, `${what} s3://${bucket}/${key} failed: ${(cause as Error).message ?? String(cause)}. Check the bucket exists and the credentials may ${what === 'reading' ? 'read' : 'write'} it.`, {
      cause,
      context: { bucket, key },
    })
  }
  return {
    location: `s3://${bucket}`,
    async put(key, body, contentType) {
      assertSafeKey(key)
      await withRetry(() => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType })), retry).catch((e: unknown) =>
        fail(ErrorCode.S3Write, 'writing', key, e),
      )
    },
    async get(key) {
      assertSafeKey(key)
      try {
        const res = await withRetry(() => client.send(new GetObjectCommand({ Bucket: bucket, Key: key })), retry)
        return res.Body ? await res.Body.transformToByteArray() : new Uint8Array()
      } catch (error) {
        const e = error as { name?: string; $metadata?: { httpStatusCode?: number } }
        if (e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return undefined
        return fail(ErrorCode.S3Read, 'reading', key, error)
      }
    },
    async delete(key) {
      assertSafeKey(key)
      await withRetry(() => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })), retry).catch((e: unknown) => fail(ErrorCode.S3Write, 'deleting', key, e))
    },
    async *list(prefix) {
      let token: string | undefined
      do {
        const page = await withRetry(() => client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token })), retry).catch((e: unknown) =>
          fail(ErrorCode.S3Read, 'listing', prefix, e),
        )
        for (const o of page.Contents ?? []) if (o.Key) yield { key: o.Key, size: o.Size ?? 0 }
        token = page.IsTruncated ? page.NextContinuationToken : undefined
      } while (token)
    },
  }
}
