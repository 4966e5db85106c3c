import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKinesisClient, createS3Client } from '../core/awsClients.js'
import { createS3ObjectStore } from '../consumers/sinks/s3ObjectStore.js'
import { startStandaloneConsumer } from '../consumers/standaloneConsumer.js'
import { startLocalStack } from '../local/localStack.js'
import { generateWorkload } from '../producers/generator/generateWorkload.js'
import { putRecords } from '../producers/kinesisWriter.js'
import { aggregateRecords } from '../producers/kplAggregate.js'
import { listOpenShardHashRanges } from '../producers/shardHashRanges.js'
import { createLocalEngine } from '../queries/localEngine.js'
import { syncFromS3 } from '../queries/syncFromS3.js'

type Stack = Awaited<ReturnType<typeof startLocalStack>>

describe('end to end: generator → kinesalite → consumer → s3rver → DuckDB', () => {
  let stack: Stack
  let cache: string
  beforeAll(async () => {
    stack = await startLocalStack({ streamName: 'e2e', shardCount: 3, bucket: 'e2e-bucket' })
    cache = await mkdtemp(join(tmpdir(), 'bm-e2e-'))
  })
  afterAll(async () => {
    await stack?.stop()
    await rm(cache, { recursive: true, force: true })
  })

  it('jobs per queue and vCPU-seconds equal the ground truth, with duplicates, reordering, KPL and malformed records', async () => {
    const { records, truth } = generateWorkload({ jobs: 600, seed: 7, duplicates: 0.1, reorder: 0.1, malformed: 0.01 })
    const kinesis = createKinesisClient({ endpoint: stack.kinesisEndpoint, region: stack.region })
    const s3 = createS3Client({ endpoint: stack.s3Endpoint, region: stack.region })
    try {
      // Half the records plain, half KPL-aggregated: one stream carries both.
      const half = Math.floor(records.length / 2)
      await putRecords(kinesis, stack.streamName, records.slice(0, half))
      await putRecords(kinesis, stack.streamName, await aggregateRecords(records.slice(half), { shards: await listOpenShardHashRanges(kinesis, stack.streamName) }))
      const consumer = await startStandaloneConsumer({
        kinesis,
        streamName: stack.streamName,
        objectStore: createS3ObjectStore({ client: s3, bucket: stack.bucket }),
        prefix: 'bm',
        stopWhenIdleMs: 1000,
        flushRecords: 700,
      })
      const result = await consumer.done
      expect(result.counters.deadLetters).toBe(truth.malformed)
      expect(result.counters.skipped).toBe(truth.cloudtrail)
      expect(result.eventsWritten).toBe(truth.uniqueEvents)
      expect(result.flushes).toBeGreaterThan(1)

      await syncFromS3({ client: s3, bucket: stack.bucket, prefix: 'bm/', dir: cache })
      const engine = await createLocalEngine({ dataDir: cache })
      try {
        const rows = await engine.query(
          `select job_queue, count(*) as jobs, sum(case when status = 'SUCCEEDED' then 1 else 0 end) as succeeded,
                  sum(vcpu_seconds) as vcpu_seconds, sum(gpu_seconds) as gpu_seconds
           from jobs where not is_array_parent group by job_queue order by job_queue`,
        )
        const expected = Object.entries(truth.queues)
          .filter(([, q]) => q.jobs > 0)
          .map(([job_queue, q]) => ({ job_queue, jobs: q.jobs, succeeded: q.succeeded, vcpu_seconds: q.vcpuSeconds, gpu_seconds: q.gpuSeconds }))
          .sort((a, b) => a.job_queue.localeCompare(b.job_queue))
        expect(rows.map((r) => r.job_queue)).toEqual(expected.map((e) => e.job_queue))
        rows.forEach((r, i) => {
          const e = expected[i]!
          expect(r.jobs).toBe(e.jobs)
          expect(r.succeeded).toBe(e.succeeded)
          expect(r.vcpu_seconds as number).toBeCloseTo(e.vcpu_seconds, 3)
          expect(r.gpu_seconds as number).toBeCloseTo(e.gpu_seconds, 3)
        })
        const [events] = await engine.query('select count(*) as n, count(distinct event_id) as ids from job_events')
        expect(events).toEqual({ n: truth.uniqueEvents, ids: truth.uniqueEvents })
        const [dead] = await engine.query('select count(*) as n from dead_letters')
        expect(dead?.n).toBe(truth.malformed)
      } finally {
        await engine.close()
      }
    } finally {
      kinesis.destroy()
      s3.destroy()
    }
  })
})
