import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDynamoGauges } from '../consumers/lambda/dynamoGauges.js'
import { createDynamoStateStore } from '../consumers/lambda/dynamoStateStore.js'
import { LAMBDA_ENV, lambdaConfigFromEnv } from '../consumers/lambda/lambdaConfig.js'
import { resolveStoredJob, stateTableDefinition } from '../consumers/lambda/stateTable.js'
import { Gauge, type JobEntry, toStoreSeconds } from '../consumers/pipeline/jobStateStore.js'
import { validateEmfDocument } from '../consumers/metrics/validateEmfDocument.js'
import { createDynamoDbClient, createS3Client } from '../core/awsClients.js'
import { isBatchmeterError } from '../core/errors.js'
import { type LocalStack, startLocalStack } from '../local/localStack.js'
import { EVENT_T0, encode, jobEvent } from './helpers/eventBuilder.js'
import { kinesisEvent, lambdaContext, onShard } from './helpers/lambdaEvents.js'


const RETENTION = { retainAfterTerminalMs: 48 * 3600_000, maxAgeMs: 14 * 86_400_000 }
const NOW = Date.UTC(2026, 10, 30, 12)
const entry = (over: Partial<JobEntry> = {}): JobEntry => ({ order: 25, seenLo: 4, seenHi: 0, gauge: Gauge.Runnable, queue: 'q', terminalAt: 0, firstSeenAt: toStoreSeconds(NOW - 3600_000), ...over })

let stack: LocalStack
let dynamo: DynamoDBClient
let s3: S3Client
let n = 0
const newTable = async (): Promise<string> => {
  const name = `unit-${++n}`
  await dynamo.send(new CreateTableCommand(stateTableDefinition(name)))
  return name
}

beforeAll(async () => {
  stack = await startLocalStack({ dynamo: true, shardCount: 1, bucket: 'entry-bucket', streamName: 'unused' })
  dynamo = createDynamoDbClient({}, stack.env)
  s3 = createS3Client({}, stack.env)
})
afterAll(async () => {
  dynamo?.destroy()
  s3?.destroy()
  await stack?.stop()
})

describe('state table', () => {
  it('an item written by an earlier attempt at the same records is undone; one from earlier records is kept', () => {
    const stored = { entry: entry({ order: 55, gauge: Gauge.Running }), before: entry(), shard: 'shard-1', fromSequence: '200', version: 3 }
    expect(resolveStoredJob(stored, 'shard-1', '150', RETENTION, NOW)).toEqual({ entry: stored.before, version: 3, replayed: true })
    expect(resolveStoredJob(stored, 'shard-1', '200', RETENTION, NOW)).toEqual({ entry: stored.before, version: 3, replayed: true })
    expect(resolveStoredJob(stored, 'shard-1', '201', RETENTION, NOW)).toEqual({ entry: stored.entry, version: 3, replayed: false })
    expect(resolveStoredJob(stored, 'shard-2', '100', RETENTION, NOW)).toEqual({ entry: stored.entry, version: 3, replayed: false })
    // Sequence numbers compare as integers, not strings.
    expect(resolveStoredJob({ ...stored, fromSequence: '1000' }, 'shard-1', '999', RETENTION, NOW).replayed).toBe(true)
  })

  it('expired state reads as absent (dynalite keeps it: no TTL there), and the next write still checks its version', async () => {
    const tableName = await newTable()
    const state = createDynamoStateStore({ client: dynamo, tableName, retention: RETENTION })
    const ended = entry({ gauge: Gauge.None, terminalAt: toStoreSeconds(NOW - 49 * 3600_000) })
    await state.saveJobs([{ jobId: 'j1', expectedVersion: undefined, job: { entry: ended, before: undefined, shard: 's', fromSequence: '1', version: 1 } }], NOW)
    const loaded = await state.loadJobs(['j1', 'missing'])
    expect([...loaded.keys()]).toEqual(['j1'])
    const resolved = resolveStoredJob(loaded.get('j1'), 's', '5', RETENTION, NOW)
    expect(resolved).toEqual({ entry: undefined, version: 1, replayed: false })
    // Writing as if it were new would overwrite a live item: refused.
    const stale = await state.saveJobs([{ jobId: 'j1', expectedVersion: undefined, job: { entry: entry(), before: undefined, shard: 's', fromSequence: '5', version: 1 } }], NOW).then(() => undefined, (e: unknown) => e)
    expect(isBatchmeterError(stale) && stale.retriable && /changed by another invocation/.test(stale.message)).toBe(true)
    await state.saveJobs([{ jobId: 'j1', expectedVersion: 1, job: { entry: entry(), before: undefined, shard: 's', fromSequence: '5', version: 2 } }], NOW)
    expect((await state.loadJobs(['j1'])).get('j1')?.version).toBe(2)
  })

  it('gauges count live RUNNABLE/RUNNING items per queue; one invocation claims each minute', async () => {
    const tableName = await newTable()
    const state = createDynamoStateStore({ client: dynamo, tableName, retention: RETENTION })
    const gauges = createDynamoGauges({ client: dynamo, tableName })
    const job = (id: string, e: JobEntry) => ({ jobId: id, expectedVersion: undefined, job: { entry: e, before: undefined, shard: 's', fromSequence: '1', version: 1 } })
    await state.saveJobs(
      [
        job('a', entry({ queue: 'q1' })),
        job('b', entry({ queue: 'q1' })),
        job('c', entry({ queue: 'q1', gauge: Gauge.Running })),
        job('d', entry({ queue: 'q2', gauge: Gauge.None, terminalAt: toStoreSeconds(NOW) })),
        // Never finished and older than the maximum age: no longer counted.
        job('e', entry({ queue: 'q2', firstSeenAt: toStoreSeconds(NOW - 15 * 86_400_000) })),
      ],
      NOW,
    )
    expect(await gauges.claimMinute(NOW, ['q1'])).toEqual(['q1'])
    expect(await gauges.claimMinute(NOW, ['q2'])).toBeNull()
    await gauges.registerQueues(['q2'])
    expect(await gauges.claimMinute(NOW + 60_000, [])).toEqual(['q1', 'q2'])
    const levels = await gauges.count(['q1', 'q2'], NOW)
    expect(Object.fromEntries(levels)).toEqual({ q1: { runnable: 2, running: 1 }, q2: { runnable: 0, running: 0 } })
  })
})

describe('Lambda entry point (consumers/lambda/handler.handler)', () => {
  it('reads its settings from the environment and names a missing one', () => {
    expect(() => lambdaConfigFromEnv({ BATCHMETER_BUCKET: 'bkt' })).toThrow(/BATCHMETER_STATE_TABLE is not set/)
    expect(() => lambdaConfigFromEnv({ [LAMBDA_ENV.stateTable]: 't' })).toThrow(/BATCHMETER_BUCKET is not set/)
    expect(() => lambdaConfigFromEnv({ BATCHMETER_BUCKET: 'bkt', [LAMBDA_ENV.stateTable]: 't', [LAMBDA_ENV.byDefinition]: 'yes' })).toThrow(/use true or false/)
    const c = lambdaConfigFromEnv({ BATCHMETER_BUCKET: 'bkt', BATCHMETER_PREFIX: 'p', [LAMBDA_ENV.stateTable]: 't', [LAMBDA_ENV.namespace]: 'Acme/Batch', [LAMBDA_ENV.byDefinition]: 'true' })
    expect(c).toMatchObject({ bucket: 'bkt', prefix: 'p', stateTable: 't', metrics: { namespace: 'Acme/Batch', byDefinition: true } })
  })

  it('handles a batch end to end with clients made from the environment; EMF goes to stdout', async () => {
    const tableName = await newTable()
    Object.assign(process.env, stack.env, { BATCHMETER_BUCKET: stack.bucket, BATCHMETER_PREFIX: 'entry', [LAMBDA_ENV.stateTable]: tableName, BATCHMETER_LOG_LEVEL: 'silent' })
    const now = Date.now()
    // Events of the last few minutes (offsets from the builder's T0), so CloudWatch's window takes them.
    const t = Math.floor((now - EVENT_T0) / 1000) - 300
    const events = [
      jobEvent({ jobId: 'e1', status: 'RUNNABLE', at: t, createdAt: t }),
      jobEvent({ jobId: 'e1', status: 'RUNNING', at: t + 30, createdAt: t, startedAt: t + 30 }),
      jobEvent({ jobId: 'e1', status: 'SUCCEEDED', at: t + 90, createdAt: t, startedAt: t + 30, stoppedAt: t + 90, attempts: [[t + 30, t + 90]] }),
    ]
    const records = await onShard(events.map((e) => ({ partitionKey: 'e1', data: encode(e) })), { arrivalStartMs: now })
    const printed: string[] = []
    const write = process.stdout.write.bind(process.stdout)
    process.stdout.write = ((chunk: string | Uint8Array) => {
      printed.push(String(chunk))
      return true
    }) as typeof process.stdout.write
    let result
    try {
      const { handler } = await import('../consumers/lambda/handler.js')
      result = await handler(kinesisEvent('shardId-000000000007', records), lambdaContext())
    } finally {
      process.stdout.write = write
    }
    expect(result).toEqual({ batchItemFailures: [] })
    const lines = printed.join('').split('\n').filter(Boolean)
    expect(lines.length).toBeGreaterThan(0)
    expect(lines.flatMap((l) => validateEmfDocument(l))).toEqual([])
    expect(lines.some((l) => (JSON.parse(l) as { JobsSucceeded?: number }).JobsSucceeded === 1)).toBe(true)
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: stack.bucket, Prefix: 'entry/' }))
    const keys = (listed.Contents ?? []).map((o) => o.Key).sort()
    expect(keys).toEqual(
      expect.arrayContaining([expect.stringMatching(/^entry\/job_events\/dt=\d{4}-\d\d-\d\d\/shardId-000000000007-\d+\.parquet$/), expect.stringMatching(/^entry\/jobs\/dt=/)]),
    )
  })
})
