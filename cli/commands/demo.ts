import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { Command } from 'commander'
import { createAthenaClient, createKinesisClient, createS3Client } from '../../core/awsClients.js'
import { createS3ObjectStore } from '../../consumers/sinks/s3ObjectStore.js'
import { startStandaloneConsumer } from '../../consumers/standaloneConsumer.js'
import { startLocalStack, type LocalStack } from '../../local/localStack.js'
import { generateWorkload } from '../../producers/generator/generateWorkload.js'
import { putRecords } from '../../producers/kinesisWriter.js'
import { DEFAULT_PRICES, parsePriceTable } from '../../core/priceTable.js'
import type { GroundTruth } from '../../producers/generator/groundTruth.js'
import { createAthenaRunner } from '../../queries/athena/athenaRunner.js'
import { formatBytes } from '../../queries/athena/queryCost.js'
import { allDdlStatements } from '../../queries/ddl/tableDdl.js'
import { renderBundle } from '../../queries/render/renderBundle.js'
import { athenaReportEngine } from '../../queries/reportEngine.js'
import { reportNames, runReports } from '../../queries/runReports.js'
import { intIn } from '../flagParsers.js'
import { createProgressLine } from '../progressLine.js'

interface DemoFlags {
  jobs: number
  seed: number
  shards: number
  out: string
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the whole pipeline locally (no AWS account): local Kinesis and S3, a generated day of Batch traffic, the consumer, then every report through the local Athena endpoint and an HTML page')
    .option('--jobs <n>', 'job submissions in the generated day', intIn(1, 100_000), 400)
    .option('--seed <n>', 'random seed', intIn(0, 2 ** 31 - 1), 42)
    .option('--shards <n>', 'Kinesis shards', intIn(1, 16), 2)
    .option('--out <file>', 'where to write the HTML report', 'out/batchmeter-report.html')
    .action(async (opts: DemoFlags) => runDemo(opts))
}

async function runDemo(opts: DemoFlags): Promise<void> {
  // The demo talks to loopback stand-ins only; the SDK's Node 20 notice (releases after
  // January 2027 need Node 22) is for deployments, and the README says so.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  const say = (line: string): boolean => process.stderr.write(`${line}\n`)
  const stack = await startLocalStack({ streamName: 'batchmeter-events', shardCount: opts.shards, bucket: 'batchmeter-demo', athena: true })
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

    await demoReports({ stack, truth, out: opts.out, say })
  } finally {
    kinesis.destroy()
    s3.destroy()
    await stack.stop()
  }
}

/** Reports the demo prints: the overview; the HTML page holds all of them. */
const PRINTED = ['usage-by-queue', 'cost-by-queue', 'wait-time-percentiles', 'retries'] as const

/** The demo account's spot queue is priced as spot (a price file does this for a real account). */
const DEMO_PRICES = parsePriceTable({ version: 'demo', queues: { 'spot-ec2': { capacity: 'spot' } } }, 'demo', DEFAULT_PRICES)

/**
 * The ending: the report bundle through the Athena runner and the local Athena endpoint
 * (the same code as on AWS): DDL first, then every canned report; prints the overview,
 * writes the HTML page and checks jobs per queue against the generator's truth.
 */
async function demoReports({ stack, truth, out, say }: { stack: LocalStack; truth: GroundTruth; out: string; say: (line: string) => boolean }): Promise<void> {
  const athena = createAthenaClient({ endpoint: stack.athenaEndpoint, region: stack.region })
  try {
    const runner = createAthenaRunner({ client: athena, outputLocation: `s3://${stack.bucket}/athena-results/`, pollMinMs: 20, pollMaxMs: 200 })
    for (const statement of allDdlStatements({ bucket: stack.bucket, prefix: '' })) await runner.run(statement)
    say(`Athena (local endpoint ${stack.athenaEndpoint}): tables and dedupe views created`)
    const bundle = await runReports(athenaReportEngine(runner), reportNames('all'), { from: '2026-11-30', to: '2026-12-06', prices: DEMO_PRICES })
    const scanned = bundle.results.reduce((a, r) => a + (r.scannedBytes ?? 0), 0)
    const billed = bundle.results.reduce((a, r) => a + (r.costUsd ?? 0), 0)
    const printed = { ...bundle, results: PRINTED.flatMap((n) => bundle.results.filter((r) => r.report.name === n)) }
    process.stdout.write(`\n${renderBundle(printed, 'table')}`)
    await mkdir(dirname(resolve(out)), { recursive: true })
    await writeFile(out, renderBundle(bundle, 'html'))
    say(`${bundle.results.length} reports ran on the local Athena endpoint, ${formatBytes(scanned)} scanned (on Athena: $${billed.toFixed(4)} at $5/TB, 10 MB minimum per query)`)
    say(`HTML report with all ${bundle.results.length} reports and charts: ${resolve(out)}`)
    const rows = bundle.results.find((r) => r.report.name === 'usage-by-queue')?.rows ?? []
    const mismatches = Object.entries(truth.queues).filter(([q, t]) => Number(rows.find((r) => r.job_queue === q)?.jobs ?? 0) !== t.jobs)
    say(mismatches.length === 0 ? 'check: jobs per queue equal the generator’s ground truth' : `check FAILED for queues ${mismatches.map(([q]) => q).join(', ')}`)
    if (mismatches.length > 0) process.exitCode = 1
  } finally {
    athena.destroy()
  }
}
