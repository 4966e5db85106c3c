import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEmfPublisher } from '../consumers/metrics/emfPublisher.js'
import { resolveMetricsConfig } from '../consumers/metrics/metricsConfig.js'
import { validateEmfDocument } from '../consumers/metrics/validateEmfDocument.js'
import { createS3ObjectStore } from '../consumers/sinks/s3ObjectStore.js'
import { startStandaloneConsumer } from '../consumers/standaloneConsumer.js'
import { createKinesisClient, createS3Client } from '../core/awsClients.js'
import { type LocalStack, startLocalStack } from '../local/localStack.js'
import { generateWorkload } from '../producers/generator/generateWorkload.js'
import { putRecords } from '../producers/kinesisWriter.js'
import { emfTotals, seriesKey } from './helpers/emfTotals.js'

describe('standalone consumer metrics (kinesalite → consumer → EMF publisher)', () => {
  let stack: LocalStack
  beforeAll(async () => {
    stack = await startLocalStack({ streamName: 'metrics', shardCount: 2, bucket: 'metrics-bucket' })
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it('per-flush metrics add up to the ground truth; gauges once a minute, back to zero at the end', async () => {
    // Events from yesterday: inside CloudWatch's 14-day window of the real clock the publisher checks against.
    const start = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000
    const { records, truth } = generateWorkload({ jobs: 250, seed: 31, start, durationHours: 6, duplicates: 0.05, malformed: 0.01 })
    const kinesis = createKinesisClient({}, stack.env)
    const s3 = createS3Client({}, stack.env)
    const lines: string[] = []
    // The metrics clock moves a minute per flush, so every flush publishes its gauges.
    let clock = Date.now()
    try {
      await putRecords(kinesis, stack.streamName, records)
      const config = resolveMetricsConfig()
      const consumer = await startStandaloneConsumer({
        kinesis,
        streamName: stack.streamName,
        objectStore: createS3ObjectStore({ client: s3, bucket: stack.bucket }),
        prefix: 'm',
        stopWhenIdleMs: 800,
        flushRecords: 300,
        getRecordsLimit: 150,
        metrics: { publisher: createEmfPublisher({ namespace: config.namespace, write: (t) => void lines.push(...t.split('\n').filter(Boolean)) }), config, now: () => (clock += 60_000) },
      })
      const result = await consumer.done
      expect(result.flushes).toBeGreaterThan(2)
    } finally {
      kinesis.destroy()
      s3.destroy()
    }

    expect(lines.flatMap((l) => validateEmfDocument(l, clock))).toEqual([])
    const totals = emfTotals(lines)
    for (const [queue, t] of Object.entries(truth.queues)) {
      if (t.jobs === 0) continue
      expect(totals.get(seriesKey('JobsSucceeded', { JobQueue: queue }))?.sum, queue).toBe(t.succeeded)
      expect(totals.get(seriesKey('JobsFailed', { JobQueue: queue }))?.sum ?? 0, queue).toBe(t.failed)
      expect(totals.get(seriesKey('RunTime', { JobQueue: queue }))?.sum ?? 0).toBeCloseTo(t.runSecondsSum, 3)
      expect(totals.get(seriesKey('EstimatedCost', { JobQueue: queue }))?.sum ?? 0).toBeGreaterThanOrEqual(t.vcpuSeconds > 0 ? 0.0001 : 0)
    }
    const health = (name: string) => totals.get(seriesKey(name, { Pipeline: 'batchmeter' }))
    expect(health('RecordsIn')?.sum).toBe(truth.records)
    expect(health('DeadLetters')?.sum).toBe(truth.malformed)
    expect(health('IteratorAgeMs')?.count).toBeGreaterThan(0)

    for (const name of ['RunnableJobs', 'RunningJobs']) {
      const series = [...totals].filter(([k]) => k.startsWith(`${name}|`))
      expect(series.length).toBeGreaterThanOrEqual(4)
      for (const [, s] of series) {
        for (const values of s.byTimestamp.values()) expect(values).toHaveLength(1)
        const last = Math.max(...s.timestamps)
        expect(s.byTimestamp.get(last)).toEqual([0])
      }
    }
    const peak = Math.max(...[...totals].filter(([k]) => k.startsWith('RunningJobs|')).flatMap(([, s]) => [...s.byTimestamp.values()].map((v) => v[0]!)))
    expect(peak).toBeGreaterThan(0)
  })
})
