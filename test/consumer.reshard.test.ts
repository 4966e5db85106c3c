import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { createKinesisClient, createS3Client } from '../core/awsClients.js'
import { createS3ObjectStore } from '../consumers/sinks/s3ObjectStore.js'
import { startStandaloneConsumer } from '../consumers/standaloneConsumer.js'
import { SHARD_END } from '../consumers/sources/kinesisSource.js'
import { CheckpointStore } from '../consumers/checkpoint/checkpointStore.js'
import { startLocalStack } from '../local/localStack.js'
import { generateWorkload } from '../producers/generator/generateWorkload.js'
import { putRecords } from '../producers/kinesisWriter.js'
import { createLocalEngine } from '../queries/localEngine.js'
import { syncFromS3 } from '../queries/syncFromS3.js'
import { listShards, mergeAdjacent, splitInHalf } from './helpers/kinesisTestKit.js'

describe('standalone consumer across a reshard', () => {
  it('a split and a merge while consuming: every event once, parents finished before children, a restart adds nothing', async () => {
    const stack = await startLocalStack({ streamName: 'reshard', shardCount: 3, bucket: 'reshard-bucket' })
    const cache = await mkdtemp(join(tmpdir(), 'bm-reshard-'))
    const kinesis = createKinesisClient({}, stack.env)
    const s3 = createS3Client({}, stack.env)
    const objectStore = createS3ObjectStore({ client: s3, bucket: stack.bucket })
    try {
      const { records, truth } = generateWorkload({ jobs: 400, seed: 5, duplicates: 0.05 })
      const third = Math.floor(records.length / 3)
      await putRecords(kinesis, stack.streamName, records.slice(0, third))
      const consumer = await startStandaloneConsumer({ kinesis, streamName: stack.streamName, objectStore, stopWhenIdleMs: 3000, flushRecords: 200, flushIntervalMs: 1000 })

      await sleep(300)
      const [a, b, c] = await listShards(kinesis, stack.streamName)
      await splitInHalf(kinesis, stack.streamName, a!)
      await putRecords(kinesis, stack.streamName, records.slice(third, 2 * third))
      await mergeAdjacent(kinesis, stack.streamName, b!, c!)
      await putRecords(kinesis, stack.streamName, records.slice(2 * third))
      const result = await consumer.done
      expect(result.counters.records).toBe(records.length)

      const checkpoint = await new CheckpointStore(objectStore, '', stack.streamName).readCheckpoint()
      expect(checkpoint?.positions[a!.ShardId!]).toBe(SHARD_END)
      expect(checkpoint?.positions[b!.ShardId!]).toBe(SHARD_END)
      expect(checkpoint?.positions[c!.ShardId!]).toBe(SHARD_END)
      expect(Object.keys(checkpoint?.positions ?? {})).toHaveLength(6)

      // A restart resumes after the checkpoint: nothing new to write.
      const again = await startStandaloneConsumer({ kinesis, streamName: stack.streamName, objectStore, stopWhenIdleMs: 1000 })
      const second = await again.done
      expect(second.counters.records).toBe(0)
      expect(second.filesWritten).toBe(0)

      await syncFromS3({ client: s3, bucket: stack.bucket, prefix: '', dir: cache })
      const engine = await createLocalEngine({ dataDir: cache })
      try {
        const [events] = await engine.query('select count(*) as n, count(distinct event_id) as ids from job_events')
        expect(events).toEqual({ n: truth.uniqueEvents, ids: truth.uniqueEvents })
        const rows = await engine.query('select job_queue, count(*) as jobs, sum(vcpu_seconds) as vcpu from jobs where not is_array_parent group by 1')
        for (const [queue, q] of Object.entries(truth.queues)) {
          const row = rows.find((r) => r.job_queue === queue)
          expect(row?.jobs ?? 0, queue).toBe(q.jobs)
          expect((row?.vcpu as number | undefined) ?? 0).toBeCloseTo(q.vcpuSeconds, 3)
        }
        // The records went in in order; had a child shard been read before its parent
        // was finished, some job's events would have arrived out of order (late).
        const [late] = await engine.query('select count(*) as n from job_events where is_late')
        expect(late?.n).toBe(0)
      } finally {
        await engine.close()
      }
    } finally {
      kinesis.destroy()
      s3.destroy()
      await stack.stop()
      await rm(cache, { recursive: true, force: true })
    }
  })
})
