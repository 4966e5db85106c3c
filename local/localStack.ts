import { CreateStreamCommand, DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { createKinesisClient, createS3Client, LOCAL_DUMMY_CREDENTIALS } from '../core/awsClients.js'
import { BatchmeterError, ErrorCode } from '../core/errors.js'
import { withRetry } from '../core/retry.js'
import { startAthenaEndpoint } from './athenaEndpoint.js'

export interface LocalStackOptions {
  /** Kinesis stream to create. Default `batchmeter-events`. */
  streamName?: string
  /** Shards of that stream. Default 2. */
  shardCount?: number
  /** S3 bucket to create. Default `batchmeter-local`. */
  bucket?: string
  /** Also start dynalite (DynamoDB). Default false. */
  dynamo?: boolean
  /** Also start the local Athena endpoint over the bucket (tables under `athenaPrefix`). Default false. */
  athena?: boolean
  /** Key prefix of the tables the Athena endpoint reads. Default ''. */
  athenaPrefix?: string
  /**
   * Keep the data here across runs (kinesis/, s3/, dynamodb/ below it) instead of in
   * memory and a temporary folder that `stop()` removes. Default: nothing kept.
   */
  dataDir?: string
}

export interface LocalStack {
  kinesisEndpoint: string
  s3Endpoint: string
  dynamoEndpoint?: string
  athenaEndpoint?: string
  region: string
  streamName: string
  bucket: string
  /** `AWS_ENDPOINT_URL_*`, `AWS_REGION` and the dummy keys, to hand to a child process or `createXClient(opts, env)`. */
  env: Record<string, string>
  /** Closes every server and removes the temporary folder; safe to call twice. */
  stop(): Promise<void>
}

const REGION = 'us-east-1'
const HOST = '127.0.0.1'

interface KinesaliteOptions {
  createStreamMs: number
  deleteStreamMs: number
  updateStreamMs: number
  shardLimit: number
  path?: string
}
interface DynaliteOptions {
  createTableMs: number
  deleteTableMs: number
  updateTableMs: number
  path?: string
}
interface S3rverInstance {
  run(): Promise<AddressInfo>
  close(): Promise<void>
  httpServer?: Server
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance

const require = createRequire(import.meta.url)
const loadKinesalite = () => require('kinesalite') as (options: KinesaliteOptions) => Server
const loadDynalite = () => require('dynalite') as (options: DynaliteOptions) => Server
const loadS3rver = (): S3rverClass => {
  acceptAnyS3AccessKey()
  allowS3rverContinuationTokens()
  return require('s3rver') as S3rverClass
}

/**
 * s3rver seals ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node 18+)
 * refuses, so listing past 1000 keys failed. When DES is unavailable, its 8-byte key
 * ('S3RVER' padded) gets a pass-through cipher instead: the token is then the IV and the
 * plain `region/bucket/key`, base64 — opaque enough for a local stand-in.
 */
function allowS3rverContinuationTokens(): void {
  const crypto = require('node:crypto') as typeof import('node:crypto') & { s3rverTokens?: true }
  if (crypto.s3rverTokens) return
  const s3rverKey = Buffer.alloc(8, 'S3RVER', 'utf8')
  const passThrough = () => ({ update: (data: string | Buffer, enc?: BufferEncoding) => (typeof data === 'string' ? Buffer.from(data, enc) : Buffer.from(data)), final: () => Buffer.alloc(0) })
  const wrap = <F extends (...args: never[]) => unknown>(original: F): F =>
    ((algorithm: string, key: Buffer, ...rest: never[]) => {
      try {
        return (original as unknown as (...a: unknown[]) => unknown)(algorithm, key, ...rest)
      } catch (error) {
        if (algorithm === 'des' && Buffer.isBuffer(key) && key.equals(s3rverKey)) return passThrough()
        throw error
      }
    }) as unknown as F
  crypto.createCipheriv = wrap(crypto.createCipheriv)
  crypto.createDecipheriv = wrap(crypto.createDecipheriv)
  crypto.s3rverTokens = true
}

/**
 * s3rver knows one access key (`S3RVER`) and answers InvalidAccessKeyId to any other,
 * so a developer's own AWS keys in the environment would break the local stack. It
 * does not check SigV4 signatures, so letting every key map to its built-in account
 * makes it behave like kinesalite and dynalite: any credentials work.
 */
function acceptAnyS3AccessKey(): void {
  const accounts = require('s3rver/lib/models/account.js') as { registry: Map<string, unknown>; DUMMY_ACCOUNT: unknown }
  const registry = accounts.registry as Map<string, unknown> & { anyKey?: true }
  if (registry.anyKey) return
  const get = registry.get.bind(registry)
  registry.get = (key: string) => get(key) ?? accounts.DUMMY_ACCOUNT
  registry.anyKey = true
}

/** Starts kinesalite, s3rver and (optionally) dynalite in this process on free loopback ports. */
export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const streamName = opts.streamName ?? 'batchmeter-events'
  const shardCount = opts.shardCount ?? 2
  const bucket = opts.bucket ?? 'batchmeter-local'
  if (!Number.isInteger(shardCount) || shardCount < 1 || shardCount > 100) {
    throw new BatchmeterError(ErrorCode.Config, `shardCount is ${shardCount}; use a whole number from 1 to 100`)
  }

  const closers: (() => Promise<void>)[] = []
  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopping ??= closeAll(closers)
    return stopping
  }

  try {
    const kinesisServer = loadKinesalite()({
      createStreamMs: 0,
      deleteStreamMs: 0,
      updateStreamMs: 0,
      shardLimit: 1000,
      ...(opts.dataDir === undefined ? {} : { path: await ensureDir(join(opts.dataDir, 'kinesis')) }),
    })
    const kinesisEndpoint = await listen(kinesisServer)
    closers.push(() => closeServer(kinesisServer))

    const s3Dir = opts.dataDir === undefined ? await mkdtemp(join(tmpdir(), 'batchmeter-s3-')) : await ensureDir(join(opts.dataDir, 's3'))
    if (opts.dataDir === undefined) closers.push(() => rm(s3Dir, { recursive: true, force: true }))
    const S3rver = loadS3rver()
    const s3 = new S3rver({ address: HOST, port: 0, silent: true, directory: s3Dir, configureBuckets: [{ name: bucket }] })
    const s3Address = await s3.run()
    closers.push(() => closeS3rver(s3))
    const s3Endpoint = `http://${HOST}:${s3Address.port}`

    let dynamoEndpoint: string | undefined
    if (opts.dynamo) {
      const dynamoServer = loadDynalite()({
        createTableMs: 0,
        deleteTableMs: 0,
        updateTableMs: 0,
        ...(opts.dataDir === undefined ? {} : { path: await ensureDir(join(opts.dataDir, 'dynamodb')) }),
      })
      dynamoEndpoint = await listen(dynamoServer)
      closers.push(() => closeServer(dynamoServer))
    }

    await createActiveStream(kinesisEndpoint, streamName, shardCount)

    let athenaEndpoint: string | undefined
    if (opts.athena) {
      const athenaS3 = createS3Client({ endpoint: s3Endpoint, region: REGION, credentials: { ...LOCAL_DUMMY_CREDENTIALS } })
      const athena = await startAthenaEndpoint({ s3: athenaS3, bucket, prefix: opts.athenaPrefix ?? '' })
      closers.push(async () => {
        await athena.stop()
        athenaS3.destroy()
      })
      athenaEndpoint = athena.endpoint
    }

    const env: Record<string, string> = {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: LOCAL_DUMMY_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_DUMMY_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_KINESIS: kinesisEndpoint,
      AWS_ENDPOINT_URL_S3: s3Endpoint,
      ...(dynamoEndpoint === undefined ? {} : { AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint }),
      ...(athenaEndpoint === undefined ? {} : { AWS_ENDPOINT_URL_ATHENA: athenaEndpoint }),
    }
    return {
      kinesisEndpoint,
      s3Endpoint,
      ...(dynamoEndpoint === undefined ? {} : { dynamoEndpoint }),
      ...(athenaEndpoint === undefined ? {} : { athenaEndpoint }),
      region: REGION,
      streamName,
      bucket,
      env,
      stop,
    }
  } catch (error) {
    await stop().catch(() => undefined)
    throw error
  }
}

async function ensureDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true })
  return dir
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, HOST, () => {
      server.off('error', reject)
      resolve(`http://${HOST}:${(server.address() as AddressInfo).port}`)
    })
  })
}

/** Stops accepting, drops idle keep-alive sockets (SDK agents keep them open), waits for the close. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()))
    server.closeAllConnections()
  })
}

async function closeS3rver(s3: S3rverInstance): Promise<void> {
  const closing = s3.close()
  s3.httpServer?.closeAllConnections()
  await closing
}

/** Runs every closer (last started first) even if one fails; reports the first failure. */
async function closeAll(closers: (() => Promise<void>)[]): Promise<void> {
  const errors: unknown[] = []
  for (const close of [...closers].reverse()) {
    try {
      await close()
    } catch (error) {
      errors.push(error)
    }
  }
  if (errors.length > 0) {
    throw new BatchmeterError(ErrorCode.Config, `local stack: ${errors.length} server(s) did not close cleanly; see cause`, {
      cause: errors[0],
    })
  }
}

async function createActiveStream(endpoint: string, streamName: string, shardCount: number): Promise<void> {
  const client = createKinesisClient({ endpoint, region: REGION, credentials: { ...LOCAL_DUMMY_CREDENTIALS } })
  try {
    await withRetry(async () => {
      try {
        await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }))
      } catch (error) {
        // A kept dataDir already holds the stream from an earlier run.
        if ((error as { name?: string }).name !== 'ResourceInUseException') throw error
      }
    })
    for (let i = 0; i < 200; i++) {
      const out = await withRetry(() => client.send(new DescribeStreamSummaryCommand({ StreamName: streamName })))
      if (out.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return
      await sleep(10)
    }
    throw new BatchmeterError(ErrorCode.Config, `local Kinesis stream "${streamName}" did not become ACTIVE within 2 s; check the kinesalite logs`)
  } finally {
    client.destroy()
  }
}
