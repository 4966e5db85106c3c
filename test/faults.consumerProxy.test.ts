import { CreateStreamCommand, DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis'
import type { S3Client } from '@aws-sdk/client-s3'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createS3ObjectStore } from '../consumers/sinks/s3ObjectStore.js'
import { startStandaloneConsumer } from '../consumers/standaloneConsumer.js'
import { createKinesisClient, createS3Client } from '../core/awsClients.js'
import { type LocalStack, startLocalStack } from '../local/localStack.js'
import { generateWorkload } from '../producers/generator/generateWorkload.js'
import { putRecords } from '../producers/kinesisWriter.js'
import { expectS3MatchesTruth } from './helpers/expectGroundTruth.js'
import { Fault, type FaultPlan, type FaultProxy, startFaultProxy } from './helpers/faultProxy.js'

/**
 * The standalone consumer behind a fault-injecting proxy on both of its endpoints
 * (Kinesis and S3). Each scenario reads a seeded workload in two runs (the second
 * restores the checkpoint and state snapshot through the faulty S3), with the SDK's own
 * retries off (`maxAttempts: 1`) so batchmeter's retry layer does all the work; S3 must
 * then hold every deduped event exactly once and the reports must equal the truth.
 */
let stack: LocalStack
let kinesisProxy: FaultProxy
let s3Proxy: FaultProxy
let direct: { kinesis: KinesisClient; s3: S3Client }
const summary: string[] = []

beforeAll(async () => {
  stack = await startLocalStack({ streamName: 'unused', shardCount: 1, bucket: 'faults-bucket' })
  kinesisProxy = await startFaultProxy({ target: stack.kinesisEndpoint, service: 'kinesis' })
  s3Proxy = await startFaultProxy({ target: stack.s3Endpoint, service: 's3' })
  direct = { kinesis: createKinesisClient({}, stack.env), s3: createS3Client({}, stack.env) }
})
afterAll(async () => {
  if (summary.length > 0) console.info(`standalone consumer faults injected:\n${summary.join('\n')}`)
  direct?.kinesis.destroy()
  direct?.s3.destroy()
  await kinesisProxy?.stop()
  await s3Proxy?.stop()
  await stack?.stop()
})

async function createStream(name: string, shards: number): Promise<void> {
  await direct.kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }))
  for (let i = 0; i < 100; i++) {
    const out = await direct.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))
    if (out.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return
    await sleep(20)
  }
  throw new Error(`stream ${name} did not become ACTIVE`)
}

/** Runs the consumer to idleness through the proxies; a run that gives up is restarted (it must then resume exactly-once). */
async function consumeThroughProxies(streamName: string, prefix: string): Promise<{ restarts: number }> {
  const kinesis = createKinesisClient({ endpoint: kinesisProxy.endpoint, maxAttempts: 1 }, stack.env)
  const s3 = createS3Client({ endpoint: s3Proxy.endpoint, maxAttempts: 1 }, stack.env)
  const objectStore = createS3ObjectStore({ client: s3, bucket: stack.bucket, retry: { retries: 12, minDelayMs: 5, maxDelayMs: 200 } })
  let restarts = 0
  try {
    for (;;) {
      try {
        const consumer = await startStandaloneConsumer({ kinesis, streamName, objectStore, prefix, stopWhenIdleMs: 400, flushRecords: 100, flushIntervalMs: 1000, getRecordsLimit: 200 })
        await consumer.done
        return { restarts }
      } catch (error) {
        if (++restarts > 3) throw error
      }
    }
  } finally {
    kinesis.destroy()
    s3.destroy()
  }
}

const scenarios: [string, FaultPlan, Fault[]][] = [
  ['HTTP 500', { seed: 1, rates: { [Fault.Error500]: 0.2 } }, [Fault.Error500]],
  ['HTTP 503', { seed: 2, rates: { [Fault.Error503]: 0.2 } }, [Fault.Error503]],
  ['throttling (Kinesis ProvisionedThroughputExceeded, S3 SlowDown)', { seed: 3, rates: { [Fault.Throttle]: 0.25 } }, [Fault.Throttle]],
  ['connections dropped before the request is served', { seed: 4, rates: { [Fault.DropBefore]: 0.15 } }, [Fault.DropBefore]],
  ['responses lost after the request took effect', { seed: 5, rates: { [Fault.DropAfter]: 0.2 } }, [Fault.DropAfter]],
  ['truncated response bodies', { seed: 6, rates: { [Fault.Truncate]: 0.2 } }, [Fault.Truncate]],
  ['latency (20–150 ms on 40 % of requests)', { seed: 7, rates: {}, latency: { rate: 0.4, minMs: 20, maxMs: 150 } }, []],
  [
    'everything at once',
    { seed: 8, rates: { [Fault.Error500]: 0.03, [Fault.Error503]: 0.03, [Fault.Throttle]: 0.04, [Fault.DropBefore]: 0.03, [Fault.DropAfter]: 0.03, [Fault.Truncate]: 0.04 }, latency: { rate: 0.1, minMs: 5, maxMs: 60 } },
    [],
  ],
]

describe('standalone consumer behind a faulty Kinesis and S3: exactly-once S3, reports equal to the truth', () => {
  it.each(scenarios)('%s', async (label, plan, kinds) => {
    const i = scenarios.findIndex(([l]) => l === label)
    const streamName = `faults-${i}`
    await createStream(streamName, 2)
    const workload = generateWorkload({ jobs: 70, seed: 100 + i, duplicates: 0.1, reorder: 0.05, malformed: 0.02 })
    const half = Math.floor(workload.records.length / 2)
    const before = { kinesis: kinesisProxy.counts(), s3: s3Proxy.counts() }
    kinesisProxy.setPlan(plan)
    s3Proxy.setPlan({ ...plan, seed: plan.seed + 1000 })
    try {
      await putRecords(direct.kinesis, streamName, workload.records.slice(0, half))
      const first = await consumeThroughProxies(streamName, `run-${i}`)
      await putRecords(direct.kinesis, streamName, workload.records.slice(half))
      const second = await consumeThroughProxies(streamName, `run-${i}`)
      expect(first.restarts + second.restarts, 'generous retries: no run gave up').toBe(0)
    } finally {
      kinesisProxy.setPlan(undefined)
      s3Proxy.setPlan(undefined)
    }
    const after = { kinesis: kinesisProxy.counts(), s3: s3Proxy.counts() }
    const injected = (side: 'kinesis' | 's3', f: Fault) => after[side].faults[f] - before[side].faults[f]
    const describe = (side: 'kinesis' | 's3') =>
      Object.values(Fault).map((f) => [f, injected(side, f)] as const).filter(([, n]) => n > 0).map(([f, n]) => `${f} ${n}`).join(', ') || 'none'
    summary.push(`  ${label}: Kinesis ${describe('kinesis')} (${after.kinesis.delayed - before.kinesis.delayed} delayed); S3 ${describe('s3')} (${after.s3.delayed - before.s3.delayed} delayed)`)
    // Not vacuous: the faults really happened, on both endpoints.
    for (const side of ['kinesis', 's3'] as const) {
      const all = Object.values(Fault).reduce((s, f) => s + injected(side, f), 0)
      if (kinds.length === 0 && plan.latency) expect(after[side].delayed - before[side].delayed, `${side} delays`).toBeGreaterThan(0)
      if (kinds.length === 0 && Object.keys(plan.rates).length > 0) expect(all, `${side} faults`).toBeGreaterThan(2)
      for (const f of kinds) {
        // An S3 PUT has no body to truncate: the proxy drops its answer instead.
        const n = f === Fault.Truncate && side === 's3' ? injected(side, f) + injected(side, Fault.DropAfter) : injected(side, f)
        expect(n, `${side} ${f}`).toBeGreaterThan(0)
      }
    }
    await expectS3MatchesTruth(direct.s3, stack.bucket, `run-${i}`, workload)
  })
})
