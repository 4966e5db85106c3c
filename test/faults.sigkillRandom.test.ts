import { describe, expect, it } from 'vitest'
import { CheckpointStore } from '../consumers/checkpoint/checkpointStore.js'
import { createS3ObjectStore } from '../consumers/sinks/s3ObjectStore.js'
import { createKinesisClient, createS3Client } from '../core/awsClients.js'
import { startLocalStack } from '../local/localStack.js'
import { createRng } from '../producers/generator/createRng.js'
import { generateWorkload } from '../producers/generator/generateWorkload.js'
import { putRecords } from '../producers/kinesisWriter.js'
import { expectS3MatchesTruth } from './helpers/expectGroundTruth.js'
import { runCli } from './helpers/runCli.js'

/**
 * SIGKILL at random moments, not only at commit steps: a real `batchmeter consume`
 * process with tiny flushes (it is always in the middle of something: recovering,
 * reading, encoding, writing files, the snapshot, the checkpoint) is killed after a
 * seeded random delay, again and again, while the producer keeps adding records; then
 * one run finishes. S3 must hold every deduped event exactly once.
 */
describe('standalone consumer: SIGKILL at seeded random moments, many times', () => {
  it('12 kills at random points, records arriving between them: exactly once, reports equal the truth', async () => {
    const stack = await startLocalStack({ streamName: 'sigkill', shardCount: 2, bucket: 'sigkill-bucket' })
    const kinesis = createKinesisClient({}, stack.env)
    const s3 = createS3Client({}, stack.env)
    try {
      const workload = generateWorkload({ jobs: 250, seed: 31, duplicates: 0.1, reorder: 0.1, malformed: 0.01 })
      const rng = createRng(31, 9)
      const kills = 12
      const slices = 6
      const per = Math.ceil(workload.records.length / slices)
      const args = (flushRecords: number) =>
        ['consume', '--stream', stack.streamName, '--bucket', stack.bucket, '--prefix', 'out', '--until-idle', '--idle-ms', '500', '--flush-records', String(flushRecords), '--get-records-limit', '60', '--log-level', 'error']
      const checkpoints = new CheckpointStore(createS3ObjectStore({ client: s3, bucket: stack.bucket }), 'out', stack.streamName)
      const flushesSeen = new Set<number>()
      const trail: string[] = []
      let killed = 0
      for (let k = 0; k < kills; k++) {
        if (k % (kills / slices) === 0) await putRecords(kinesis, stack.streamName, workload.records.slice((k / (kills / slices)) * per, (k / (kills / slices) + 1) * per))
        // The process needs ~1 s to load; kills land from start-up to well into the run.
        const killAfterMs = rng.int(700, 3000)
        const run = await runCli(args(rng.int(15, 60)), stack.env, { killAfterMs })
        if (run.signal === 'SIGKILL') killed++
        else expect(run.code, run.stderr).toBe(0)
        const flush = (await checkpoints.readCheckpoint())?.flush ?? 0
        flushesSeen.add(flush)
        trail.push(`${run.signal === 'SIGKILL' ? 'killed' : 'ended'} at ${killAfterMs} ms → checkpoint flush ${flush}`)
      }
      console.info(`SIGKILL trail:\n  ${trail.join('\n  ')}`)
      // Most runs died mid-way (a run with little left to read may finish first), at many points of progress.
      expect(killed).toBeGreaterThanOrEqual(kills / 2)
      expect(flushesSeen.size).toBeGreaterThanOrEqual(4)

      const last = await runCli(args(100), stack.env)
      expect(last.code, last.stderr).toBe(0)
      await expectS3MatchesTruth(s3, stack.bucket, 'out', workload)
    } finally {
      kinesis.destroy()
      s3.destroy()
      await stack.stop()
    }
  })
})
