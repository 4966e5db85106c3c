import { describe, expect, it } from 'vitest'
import { createKinesisClient, createS3Client } from '../core/awsClients.js'
import { CommitStep } from '../consumers/checkpoint/exactlyOnceCommitter.js'
import { startLocalStack } from '../local/localStack.js'
import { generateWorkload } from '../producers/generator/generateWorkload.js'
import { putRecords } from '../producers/kinesisWriter.js'
import { expectS3MatchesTruth } from './helpers/expectGroundTruth.js'
import { runCli } from './helpers/runCli.js'

/**
 * The delivery guarantee, proven the hard way: a real consumer process is killed with
 * SIGKILL right after each step of a flush's commit, restarted, and S3 must then hold
 * every deduped event and every finished job exactly once, and the reports equal the truth.
 */
describe('standalone consumer: SIGKILL at every commit step loses and duplicates nothing', () => {
  const steps = [CommitStep.IntentWritten, CommitStep.FileWritten, CommitStep.FilesWritten, CommitStep.SnapshotWritten, CommitStep.CheckpointWritten]

  it.each(steps)('killed after %s of the second flush', async (step) => {
    const stack = await startLocalStack({ streamName: 'crash', shardCount: 2, bucket: 'crash-bucket' })
    const kinesis = createKinesisClient({}, stack.env)
    const s3 = createS3Client({}, stack.env)
    try {
      const workload = generateWorkload({ jobs: 150, seed: 11, duplicates: 0.1, reorder: 0.1, malformed: 0.01, durationHours: 48 })
      await putRecords(kinesis, stack.streamName, workload.records)
      const args = (flushRecords: number, getRecordsLimit: number) =>
        ['consume', '--stream', stack.streamName, '--bucket', stack.bucket, '--prefix', 'out', '--until-idle', '--idle-ms', '800', '--flush-records', String(flushRecords), '--get-records-limit', String(getRecordsLimit), '--log-level', 'warn']

      // One GetRecords reads a whole shard (~430 records), so each flush is one shard's
      // records: the second flush spans both days of the workload.
      const killed = await runCli(args(300, 10_000), { ...stack.env, BATCHMETER_KILL_AT: `${step}:2` })
      expect(killed.signal, killed.stderr).toBe('SIGKILL')

      // Resume with smaller flushes: the replay cuts its files differently, so only the
      // intent protocol (not overwriting identical keys) keeps the killed flush's files out.
      const resumed = await runCli(args(30, 30), stack.env)
      expect(resumed.code, resumed.stderr).toBe(0)

      await expectS3MatchesTruth(s3, stack.bucket, 'out', workload)
    } finally {
      kinesis.destroy()
      s3.destroy()
      await stack.stop()
    }
  })
})
