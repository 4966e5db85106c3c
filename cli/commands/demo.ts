import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Command } from 'commander'
import { createKinesisClient, createS3Client } from '../../core/awsClients.js'
import { createS3ObjectStore } from '../../consumers/sinks/s3ObjectStore.js'
import { startStandaloneConsumer } from '../../consumers/standaloneConsumer.js'
import { startLocalStack } from '../../local/localStack.js'
import { generateWorkload } from '../../producers/generator/generateWorkload.js'
import { putRecords } from '../../producers/kinesisWriter.js'
import { createLocalEngine } from '../../queries/localEngine.js'
import { loadReportSql } from '../../queries/loadReport.js'
import { renderRows } from '../../queries/render/renderTable.js'
import { syncFromS3 } from '../../queries/syncFromS3.js'
import { intIn } from '../flagParsers.js'
import { createProgressLine } from '../progressLine.js'

interface DemoFlags {
  jobs: number
  seed: number
  shards: number
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the whole pipeline locally (no AWS account): local Kinesis and S3, a generated day of Batch traffic, the consumer, a report')
    .option('--jobs <n>', 'job submissions in the generated day', intIn(1, 100_000), 400)
    .option('--seed <n>', 'random seed', intIn(0, 2 ** 31 - 1), 42)
    .option('--shards <n>', 'Kinesis shards', intIn(1, 16), 2)
    .action(async (opts: DemoFlags) => runDemo(opts))
}

async function runDemo(opts: DemoFlags): Promise<void> {
  // The demo talks to loopback stand-ins only; the SDK's Node 20 notice (releases after
  // January 2027 need Node 22) is for deployments, and the README says so.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  const say = (line: string): boolean => process.stderr.write(`${line}\n`)
  const stack = await startLocalStack({ streamName: 'batchmeter-events', shardCount: opts.shards, bucket: 'batchmeter-demo' })
  const cache = await mkdtemp(join(tmpdir(), 'batchmeter-demo-'))
  const kinesis = createKinesisClient({ endpoint: stack.kinesisEndpoint, region: stack.region })
  const s3 = createS3Client({ endpoint: stack.s3Endpoint, region: stack.region })
  try {
    say(`local stack: Kinesis ${stack.kinesisEndpoint} (stream ${stack.streamName}, ${opts.shards} shards), S3 ${stack.s3Endpoint} (bucket ${stack.bucket})`)
    const { records, truth } = generateWorkload({ jobs: opts.jobs, seed: opts.seed, duplicates: 0.05, reorder: 0.05, malformed: 0.002 })
    say(`generated a day of AWS Batch traffic: ${opts.jobs} submissions, ${records.length} records (${truth.duplicatesSameId + truth.duplicatesNewId} duplicates, ${truth.malformed} malformed, ${truth.cloudtrail} CloudTrail)`)

    const putProgress = createProgressLine('put')
    const put = await putRecords(kinesis, stack.streamName, records, { onProgress: (sent) => putProgress.update(sent, 'records') })
    putProgress.done(`${put.sent} records in ${put.calls} PutRecords calls`)

    const consumeProgress = createProgressLine('consume')
    const consumer = await startStandaloneConsumer({
      kinesis,
      streamName: stack.streamName,
      objectStore: createS3ObjectStore({ client: s3, bucket: stack.bucket }),
      stopWhenIdleMs: 1500,
      onProgress: (p) => consumeProgress.update(p.counters.records, 'records', `lag ${Math.max(0, ...Object.values(p.millisBehindLatest))} ms`),
    })
    const result = await consumer.done
    const c = result.counters
    consumeProgress.done(`${c.records} records → ${result.eventsWritten} events, ${c.jobsFinished} finished jobs; dropped ${c.duplicates} duplicates; ${c.deadLetters} dead letters; ${c.skipped} skipped`)

    const synced = await syncFromS3({ client: s3, bucket: stack.bucket, prefix: '', dir: cache })
    say(`synced ${synced.downloaded} objects (${synced.bytes} bytes) from s3://${stack.bucket} for the local query engine`)
    const engine = await createLocalEngine({ dataDir: cache })
    try {
      const day = new Date(Date.UTC(2026, 10, 30)).toISOString().slice(0, 10)
      const rows = await engine.query(loadReportSql('usage-by-queue'), ['2000-01-01', '2100-01-01'])
      process.stdout.write(`\nUsage by queue (${day} and after; estimate from AWS Batch events)\n${renderRows(rows, 'table')}\n`)
      const mismatches = Object.entries(truth.queues).filter(([q, t]) => {
        const row = rows.find((r) => r.job_queue === q)
        return Number(row?.jobs ?? 0) !== t.jobs
      })
      say(mismatches.length === 0 ? 'check: jobs per queue equal the generator’s ground truth' : `check FAILED for queues ${mismatches.map(([q]) => q).join(', ')}`)
      if (mismatches.length > 0) process.exitCode = 1
    } finally {
      await engine.close()
    }
  } finally {
    kinesis.destroy()
    s3.destroy()
    await stack.stop()
    await rm(cache, { recursive: true, force: true })
  }
}
