import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { BatchmeterError, ErrorCode } from '../../core/errors.js'
import { type RetryOptions, withRetry } from '../../core/retry.js'
import { type ObjectStore, assertSafeKey } from './objectStore.js'

export interface S3ObjectStoreOptions {
  client: S3Client
  bucket: string
  retry?: RetryOptions
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET'])

/** What to do about a failed S3 call, by what went wrong: the endpoint, the credentials, or the bucket and its permissions. */
function s3Fix(cause: unknown, access: 'read' | 'write'): string {
  const e = cause as { name?: string; code?: string; cause?: { code?: string } }
  const code = e.code ?? e.cause?.code
  if (code !== undefined && UNREACHABLE.has(code)) return `The S3 endpoint cannot be reached (${code}): check AWS_ENDPOINT_URL_S3 / --s3-endpoint-url (or AWS_ENDPOINT_URL), the region and the network.`
  if (e.name === 'CredentialsProviderError') return 'No AWS credentials were found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run with an IAM role.'
  return `Check the bucket exists and the credentials may ${access} it.`
}

/** An ObjectStore on an S3 bucket; every call retried on throttles and 5xx. */
export function createS3ObjectStore({ client, bucket, retry }: S3ObjectStoreOptions): ObjectStore {
  const fail = (code: ErrorCode, what: string, key: string, cause: unknown): never => {
    const fix = s3Fix(cause, what === 'reading' || what === 'listing' ? 'read' : 'write')
    throw new BatchmeterError(code, `${what} s3://${bucket}/${key} failed: ${(cause as Error).message ?? String(cause)}. ${fix}`, {
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
        // The body is read inside the retry: a connection that dies mid-body is as retriable as one that fails before it.
        return await withRetry(async () => {
          const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
          return res.Body ? await res.Body.transformToByteArray() : new Uint8Array()
        }, retry)
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
