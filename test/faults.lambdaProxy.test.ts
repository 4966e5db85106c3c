import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { S3Client } from '@aws-sdk/client-s3'
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKinesisHandler } from '../consumers/lambda/createKinesisHandler.js'
import { createDynamoGauges } from '../consumers/lambda/dynamoGauges.js'
import { createDynamoStateStore } from '../consumers/lambda/dynamoStateStore.js'
import { stateTableDefinition } from '../consumers/lambda/stateTable.js'
import { createEmfPublisher } from '../consumers/metrics/emfPublisher.js'
import { resolveMetricsConfig } from '../consumers/metrics/metricsConfig.js'
import { createS3ObjectStore } from '../consumers/sinks/s3ObjectStore.js'
import { createDynamoDbClient, createS3Client } from '../core/awsClients.js'
import { type LocalStack, startLocalStack } from '../local/localStack.js'
import { generateWorkload } from '../producers/generator/generateWorkload.js'
import { emfTotals, seriesKey } from './helpers/emfTotals.js'
import { expectS3MatchesTruth } from './helpers/expectGroundTruth.js'
import { Fault, type FaultPlan, type FaultProxy, startFaultProxy } from './helpers/faultProxy.js'
import { batchesOf, driveEventSourceMapping, onShard } from './helpers/lambdaEvents.js'

/**
 * The Lambda handler with S3 and DynamoDB behind fault-injecting proxies, SDK retries
 * off. The test plays the event source mapping: a batch with `batchItemFailures` is
 * retried from the reported record, a batch whose invocation throws is bisected. Rows
 * must come out exactly once and the EMF metrics must count every job once.
 */
const START = Date.UTC(2026, 10, 30)
const RETENTION = { retainAfterTerminalMs: 48 * 3600_000, maxAgeMs: 14 * 86_400_000 }
let stack: LocalStack
let s3Proxy: FaultProxy
let dynamoProxy: FaultProxy
let directS3: S3Client
let directDynamo: DynamoDBClient
const summary: string[] = []

beforeAll(async () => {
  stack = await startLocalStack({ dynamo: true, shardCount: 1, bucket: 'lambda-faults', streamName: 'unused' })
  s3Proxy = await startFaultProxy({ target: stack.s3Endpoint, service: 's3' })
  dynamoProxy = await startFaultProxy({ target: stack.dynamoEndpoint!, service: 'dynamodb' })
  directS3 = createS3Client({}, stack.env)
  directDynamo = createDynamoDbClient({}, stack.env)
})
afterAll(async () => {
  if (summary.length > 0) console.info(`Lambda faults injected:\n${summary.join('\n')}`)
  directS3?.destroy()
  directDynamo?.destroy()
  await s3Proxy?.stop()
  await dynamoProxy?.stop()
  await stack?.stop()
})

/** Under faults a batch may need many invocations; bisect at most 6 deep, then retry whole. */
const ESM = { maxAttempts: 30, maxBisectDepth: 7 }

const scenarios: [string, FaultPlan][] = [
  ['5xx and throttling (S3 SlowDown, DynamoDB ProvisionedThroughputExceeded)', { seed: 11, rates: { [Fault.Error500]: 0.05, [Fault.Error503]: 0.05, [Fault.Throttle]: 0.1 } }],
  ['dropped connections and lost answers (a conditional write that succeeded, answer lost)', { seed: 12, rates: { [Fault.DropBefore]: 0.08, [Fault.DropAfter]: 0.1 } }],
  ['truncated bodies and latency', { seed: 13, rates: { [Fault.Truncate]: 0.15 }, latency: { rate: 0.05, minMs: 5, maxMs: 40 } }],
]

describe('Lambda handler behind a faulty S3 and DynamoDB: rows and metrics exactly once', () => {
  it.each(scenarios)('%s', async (label, plan) => {
    const i = scenarios.findIndex(([l]) => l === label)
    const tableName = `faults-${i}`
    const prefix = `lambda-${i}`
    await directDynamo.send(new CreateTableCommand(stateTableDefinition(tableName)))
    const workload = generateWorkload({ jobs: 150, seed: 200 + i, start: START, durationHours: 12, duplicates: 0.1, reorder: 0.05, malformed: 0.02 })
    const onB = (key: string) => createHash('md5').update(key).digest()[0]! % 2 === 1
    const shards = {
      'shardId-000000000000': await onShard(workload.records.filter((r) => !onB(r.partitionKey)), { arrivalStartMs: START }),
      'shardId-000000000001': await onShard(workload.records.filter((r) => onB(r.partitionKey)), { arrivalStartMs: START, kpl: true, kplMaxRecords: 5 }),
    }

    const s3 = createS3Client({ endpoint: s3Proxy.endpoint, maxAttempts: 1 }, stack.env)
    const dynamo = createDynamoDbClient({ endpoint: dynamoProxy.endpoint, maxAttempts: 1 }, stack.env)
    const retry = { retries: 6, minDelayMs: 5, maxDelayMs: 100 }
    // Late enough that every event is in CloudWatch's accepted window (≤ 2 h ahead of now).
    const clock = { now: START + 3 * 86_400_000 }
    const lines: string[] = []
    const log = { invocations: 0, failures: [] as string[], errors: 0, bisections: 0, commitFailures: 0 }
    const metricsConfig = resolveMetricsConfig()
    const handler = createKinesisHandler({
      objectStore: createS3ObjectStore({ client: s3, bucket: stack.bucket, retry }),
      state: createDynamoStateStore({ client: dynamo, tableName, retention: RETENTION, retry }),
      gauges: createDynamoGauges({ client: dynamo, tableName, retry }),
      metrics: createEmfPublisher({ namespace: 'Batchmeter', now: () => clock.now, write: (text) => void lines.push(...text.split('\n').filter((l) => l !== '')) }),
      metricsConfig,
      prefix,
      retention: RETENTION,
      now: () => clock.now,
      logger: { info() {}, debug() {}, warn() {}, error: () => void log.commitFailures++ },
    })
    const before = { s3: s3Proxy.injected(), dynamo: dynamoProxy.injected() }
    s3Proxy.setPlan(plan)
    dynamoProxy.setPlan({ ...plan, seed: plan.seed + 1000 })
    try {
      const tick = () => void (clock.now += 61_000)
      const a = batchesOf(shards['shardId-000000000000'], 40)
      const b = batchesOf(shards['shardId-000000000001'], 10)
      for (let k = 0; k < Math.max(a.length, b.length); k++) {
        if (a[k]) await driveEventSourceMapping(handler, 'shardId-000000000000', a[k]!, log, tick, ESM)
        if (b[k]) await driveEventSourceMapping(handler, 'shardId-000000000001', b[k]!, log, tick, ESM)
      }
    } finally {
      s3Proxy.setPlan(undefined)
      dynamoProxy.setPlan(undefined)
      s3.destroy()
      dynamo.destroy()
    }
    const injected = { s3: s3Proxy.injected() - before.s3, dynamo: dynamoProxy.injected() - before.dynamo }
    summary.push(`  ${label}: S3 ${injected.s3}, DynamoDB ${injected.dynamo} faults; ${log.invocations} invocations, ${log.failures.length} partial-failure retries, ${log.bisections} bisections, ${log.commitFailures} chunk commits failed and retried`)
    expect(injected.s3, 'S3 faults injected').toBeGreaterThan(0)
    expect(injected.dynamo, 'DynamoDB faults injected').toBeGreaterThan(0)

    await expectS3MatchesTruth(directS3, stack.bucket, prefix, workload)
    const totals = emfTotals(lines)
    for (const [queue, t] of Object.entries(workload.truth.queues)) {
      if (t.jobs === 0) continue
      expect(totals.get(seriesKey('JobsSucceeded', { JobQueue: queue }))?.sum ?? 0, queue).toBe(t.succeeded)
      expect(totals.get(seriesKey('JobsFailed', { JobQueue: queue }))?.sum ?? 0, queue).toBe(t.failed)
    }
    expect(totals.get(seriesKey('RecordsIn', { Pipeline: 'batchmeter' }))?.sum).toBe(shards['shardId-000000000000'].length + workload.records.filter((r) => onB(r.partitionKey)).length)
    expect(totals.get(seriesKey('DeadLetters', { Pipeline: 'batchmeter' }))?.sum).toBe(workload.truth.malformed)
  })
})
