import { ListTablesCommand } from '@aws-sdk/client-dynamodb'
import { DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis'
import { GetObjectCommand, HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { createDynamoDbClient, createKinesisClient, createS3Client } from '../core/awsClients.js'
import { drain } from './helpers/kinesisTestKit.js'
import { startLocalStack, type LocalStack } from '../local/localStack.js'
import { putRecords } from '../producers/kinesisWriter.js'

/** Sockets and servers this process holds open (what would keep it from exiting). */
const openHandles = () => process.getActiveResourcesInfo().filter((r) => /TCP|Timeout/.test(r)).length

async function roundTrips(stack: LocalStack, dir: string) {
  const s3 = createS3Client({}, stack.env)
  const kinesis = createKinesisClient({}, stack.env)
  try {
    const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stack.streamName }))
    expect(summary.StreamDescriptionSummary).toMatchObject({ StreamStatus: 'ACTIVE', OpenShardCount: 3 })
    await s3.send(new HeadBucketCommand({ Bucket: stack.bucket }))

    const bytes = randomBytes(100_000)
    const file = join(dir, 'body.bin')
    await writeFile(file, bytes)
    const bodies = {
      buffer: bytes,
      fileStream: createReadStream(file),
      readable: Readable.from([bytes.subarray(0, 40_000), bytes.subarray(40_000)]),
    }
    for (const [kind, Body] of Object.entries(bodies)) {
      await s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: `rt/${kind}`, Body, ContentLength: bytes.length }))
      const got = await s3.send(new GetObjectCommand({ Bucket: stack.bucket, Key: `rt/${kind}` }))
      const back = Buffer.from(await got.Body!.transformToByteArray())
      expect({ kind, equal: back.equals(bytes), length: back.length }).toEqual({ kind, equal: true, length: 100_000 })
    }
  } finally {
    s3.destroy()
    kinesis.destroy()
  }
}

describe('local stack', () => {
  it('starts and stops twice in one process: stream and bucket exist, S3 bodies round-trip byte-exact, nothing left open', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'batchmeter-localstack-test-'))
    try {
      const before = openHandles()
      for (let round = 0; round < 2; round++) {
        const stack = await startLocalStack({ streamName: 'events', shardCount: 3, bucket: 'rt-bucket', dynamo: true })
        expect(openHandles()).toBeGreaterThan(before)
        expect(stack.kinesisEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
        expect(stack.env).toMatchObject({ AWS_ENDPOINT_URL_KINESIS: stack.kinesisEndpoint, AWS_ENDPOINT_URL_S3: stack.s3Endpoint, AWS_ENDPOINT_URL_DYNAMODB: stack.dynamoEndpoint })
        await roundTrips(stack, dir)
        const dynamo = createDynamoDbClient({}, stack.env)
        expect((await dynamo.send(new ListTablesCommand({}))).TableNames).toEqual([])
        dynamo.destroy()
        await stack.stop()
        await stack.stop() // idempotent
      }
      await new Promise((r) => setTimeout(r, 50))
      expect(openHandles()).toBeLessThanOrEqual(before)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('lets a process that started and stopped it exit by itself', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'batchmeter-localstack-exit-'))
    try {
      const script = join(dir, 'exit.mts')
      const module = pathToFileURL(join(process.cwd(), 'local/localStack.ts')).href
      await writeFile(script, `import { startLocalStack } from '${module}'\nconst s = await startLocalStack({ dynamo: true })\nawait s.stop()\nconsole.log('stopped')\n`)
      const started = Date.now()
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { cwd: process.cwd(), timeout: 20_000 })
      expect(stdout.trim()).toBe('stopped')
      expect(Date.now() - started).toBeLessThan(15_000)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('accepts any credentials, like real stand-ins should (a developer\'s own keys in the environment)', async () => {
    const stack = await startLocalStack()
    const s3 = createS3Client({ endpoint: stack.s3Endpoint, credentials: { accessKeyId: 'AKIAREALLOOKING', secretAccessKey: 'secret' } })
    try {
      await s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: 'k', Body: 'v' }))
      expect(await (await s3.send(new GetObjectCommand({ Bucket: stack.bucket, Key: 'k' }))).Body!.transformToString()).toBe('v')
    } finally {
      s3.destroy()
      await stack.stop()
    }
  })

  it('runs two stacks side by side on different free ports and removes its temporary folder', async () => {
    const [a, b] = await Promise.all([startLocalStack(), startLocalStack()])
    try {
      expect(new Set([a.kinesisEndpoint, a.s3Endpoint, b.kinesisEndpoint, b.s3Endpoint]).size).toBe(4)
      expect(a.dynamoEndpoint).toBeUndefined()
    } finally {
      await Promise.all([a.stop(), b.stop()])
    }
  })

  it('keeps stream records and objects across restarts with a dataDir', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'batchmeter-localstack-data-'))
    try {
      const first = await startLocalStack({ dataDir, streamName: 'kept', shardCount: 1 })
      const k1 = createKinesisClient({}, first.env)
      const s1 = createS3Client({}, first.env)
      await putRecords(k1, 'kept', [{ partitionKey: 'a', data: new TextEncoder().encode('still here') }])
      await s1.send(new PutObjectCommand({ Bucket: first.bucket, Key: 'kept.txt', Body: 'kept' }))
      k1.destroy()
      s1.destroy()
      await first.stop()
      expect((await stat(join(dataDir, 's3'))).isDirectory()).toBe(true)

      const second = await startLocalStack({ dataDir, streamName: 'kept', shardCount: 1 })
      const k2 = createKinesisClient({}, second.env)
      const s2 = createS3Client({}, second.env)
      try {
        const batches = await drain({ client: k2, streamName: 'kept', startAt: 'TRIM_HORIZON', checkpoints: { get: async () => undefined }, limits: { idleDelayMs: 20 }, stopWhenIdle: { idleMs: 200 } })
        expect(batches.flatMap((b) => b.records).map((r) => Buffer.from(r.data).toString())).toEqual(['still here'])
        expect(await (await s2.send(new GetObjectCommand({ Bucket: second.bucket, Key: 'kept.txt' }))).Body!.transformToString()).toBe('kept')
      } finally {
        k2.destroy()
        s2.destroy()
        await second.stop()
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
