import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3'
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createS3ObjectStore } from '../consumers/sinks/s3ObjectStore.js'
import { createKinesisClient, createS3Client } from '../core/awsClients.js'
import { createLogger } from '../core/createLogger.js'
import { startLocalStack } from '../local/localStack.js'
import { generateWorkload } from '../producers/generator/generateWorkload.js'
import { putRecords } from '../producers/kinesisWriter.js'
import { Fault, startFaultProxy } from './helpers/faultProxy.js'
import { runCli } from './helpers/runCli.js'
import { startS3rverForTest } from './helpers/s3rverForTest.js'

/** Planted credentials: they must appear in no log line, no output, no object written. */
const PLANTED = { AWS_ACCESS_KEY_ID: 'AKIAPLANTEDKEY000001', AWS_SECRET_ACCESS_KEY: 'planted/secret+access+key/0123456789abcdef', AWS_SESSION_TOKEN: 'planted-session-token-FwoGZXIvYXdzEJr' }
const planted = Object.values(PLANTED)

function capture(): { stream: Writable; text: () => string } {
  let text = ''
  return { stream: new Writable({ write: (chunk, _enc, done) => ((text += String(chunk)), done()) }), text: () => text }
}

describe('no credentials or secrets in logs, output or dead letters', () => {
  it('the logger redacts credential fields, wherever they sit, and the access key id AWS errors echo', async () => {
    const out = capture()
    const logger = createLogger('trace', out.stream)
    logger.info({ credentials: { accessKeyId: planted[0], secretAccessKey: planted[1], sessionToken: planted[2] } }, 'a')
    logger.info({ client: { credentials: planted[1], accessKeyId: planted[0] }, headers: { authorization: `AWS4-HMAC-SHA256 Credential=${planted[0]}/x`, 'x-amz-security-token': planted[2] } }, 'b')
    logger.warn({ secretAccessKey: planted[1], sessionToken: planted[2], token: planted[2], password: planted[1] }, 'c')
    // A real S3 error for an unknown key echoes it in AWSAccessKeyId, as AWS does.
    const s3 = await startS3rverForTest('secrets')
    const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: planted[0]!, secretAccessKey: planted[1]!, sessionToken: planted[2]! } })
    try {
      const error = await client.send(new GetObjectCommand({ Bucket: 'secrets', Key: 'x' })).then(() => undefined, (e: unknown) => e)
      expect((error as { AWSAccessKeyId?: string }).AWSAccessKeyId).toBe(planted[0])
      logger.error({ err: error }, 'd')
      const wrapped = await createS3ObjectStore({ client, bucket: 'secrets', retry: { retries: 0 } }).get('x').then(() => undefined, (e: unknown) => e)
      logger.error({ err: wrapped }, 'e')
    } finally {
      client.destroy()
      await s3.stop()
    }
    await new Promise((r) => setTimeout(r, 50))
    const text = out.text()
    expect(text.split('\n').filter(Boolean)).toHaveLength(5)
    for (const p of planted) expect(text).not.toContain(p)
    expect(text).toContain('[redacted]')
  })

  it('a consumer run at trace level under faults, with malformed records: nothing planted in stderr, stdout or any object', async () => {
    const stack = await startLocalStack({ streamName: 'secrets', shardCount: 1, bucket: 'secrets-bucket' })
    const s3Proxy = await startFaultProxy({ target: stack.s3Endpoint, service: 's3', plan: { seed: 3, rates: { [Fault.Throttle]: 0.15, [Fault.Error503]: 0.1 } } })
    const kinesis = createKinesisClient({}, stack.env)
    const s3 = createS3Client({}, stack.env)
    try {
      const { records, truth } = generateWorkload({ jobs: 40, seed: 5, malformed: 0.05 })
      expect(truth.malformed).toBeGreaterThan(0)
      await putRecords(kinesis, stack.streamName, records)
      const r = await runCli(
        ['consume', '--stream', stack.streamName, '--bucket', stack.bucket, '--until-idle', '--idle-ms', '500', '--log-level', 'trace', '--s3-endpoint-url', s3Proxy.endpoint],
        { ...stack.env, ...PLANTED },
      )
      expect(r.code, r.stderr.slice(-2000)).toBe(0)
      expect(s3Proxy.injected()).toBeGreaterThan(0)
      expect(r.stderr).toMatch(/throttled or failed|retrying|flush committed/)
      for (const p of planted) {
        expect(r.stderr).not.toContain(p)
        expect(r.stdout).not.toContain(p)
      }
      const keys = ((await s3.send(new ListObjectsV2Command({ Bucket: stack.bucket }))).Contents ?? []).map((o) => o.Key!)
      let deadLetters = 0
      for (const key of keys) {
        const body = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: stack.bucket, Key: key }))).Body!.transformToByteArray())
        for (const p of planted) expect(body.includes(p), key).toBe(false)
        if (!key.startsWith('dead-letter/')) continue
        for (const line of body.toString('utf8').split('\n').filter(Boolean)) {
          deadLetters++
          expect(Object.keys(JSON.parse(line) as object)).toEqual(['reason', 'field', 'shard', 'sequence', 'sub_sequence', 'received_at', 'data_base64'])
        }
      }
      expect(deadLetters).toBe(truth.malformed)
    } finally {
      kinesis.destroy()
      s3.destroy()
      await s3Proxy.stop()
      await stack.stop()
    }
  })
})
