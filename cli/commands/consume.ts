import type { Command } from 'commander'
import { createCloudWatchClient, createKinesisClient, createS3Client } from '../../core/awsClients.js'
import { loadConfig } from '../../core/config.js'
import { createLogger } from '../../core/createLogger.js'
import { BatchmeterError, ErrorCode } from '../../core/errors.js'
import { createS3ObjectStore } from '../../consumers/sinks/s3ObjectStore.js'
import { startStandaloneConsumer } from '../../consumers/standaloneConsumer.js'
import { createEmfFilePublisher } from '../../consumers/metrics/emfFilePublisher.js'
import { resolveMetricsConfig } from '../../consumers/metrics/metricsConfig.js'
import type { MetricsPublisher } from '../../consumers/metrics/metricsPublisher.js'
import { createPutMetricDataPublisher } from '../../consumers/metrics/putMetricDataPublisher.js'
import type { CommitStep } from '../../consumers/checkpoint/exactlyOnceCommitter.js'
import { intIn, url } from '../flagParsers.js'
import { createProgressLine } from '../progressLine.js'

interface ConsumeFlags {
  config?: string
  stream?: string
  bucket?: string
  prefix?: string
  region?: string
  endpointUrl?: string
  kinesisEndpointUrl?: string
  s3EndpointUrl?: string
  startAt?: string
  untilIdle?: boolean
  idleMs: number
  flushIntervalMs?: number
  flushRecords?: number
  getRecordsLimit?: number
  logLevel?: string
  metrics?: string
  metricsOut?: string
  namespace: string
  cloudwatchEndpointUrl?: string
}

export function registerConsume(program: Command): void {
  program
    .command('consume')
    .description('follow every shard of a Kinesis stream and write Parquet tables and dead letters to S3')
    .option('--config <file>', 'JSON config file (flags win over BATCHMETER_* env, which wins over the file)')
    .option('--stream <name>', 'Kinesis stream name')
    .option('--bucket <bucket>', 'S3 bucket')
    .option('--prefix <prefix>', 'key prefix in the bucket')
    .option('--region <region>', 'AWS region (else AWS_REGION)')
    .option('--endpoint-url <url>', 'endpoint for every AWS service (as AWS_ENDPOINT_URL)', url)
    .option('--kinesis-endpoint-url <url>', 'Kinesis endpoint (else AWS_ENDPOINT_URL_KINESIS)', url)
    .option('--s3-endpoint-url <url>', 'S3 endpoint (else AWS_ENDPOINT_URL_S3)', url)
    .option('--start-at <position>', 'TRIM_HORIZON, LATEST or an ISO timestamp, for shards without a checkpoint')
    .option('--until-idle', 'stop once every shard is caught up and idle (for batch runs and tests)')
    .option('--idle-ms <ms>', 'with --until-idle: how long every shard must be idle', intIn(100, 3_600_000), 2000)
    .option('--flush-interval-ms <ms>', 'longest time between flushes', intIn(1000, 900_000))
    .option('--flush-records <n>', 'records that trigger a flush', intIn(1, 5_000_000))
    .option('--get-records-limit <n>', 'records per GetRecords call', intIn(1, 10_000))
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
    .option('--metrics <target>', 'publish CloudWatch metrics after each flush: "cloudwatch" (PutMetricData)')
    .option('--metrics-out <file>', 'write the CloudWatch metrics as Embedded Metric Format lines to this file instead')
    .option('--namespace <namespace>', 'CloudWatch namespace of the metrics', 'Batchmeter')
    .option('--cloudwatch-endpoint-url <url>', 'CloudWatch endpoint (else AWS_ENDPOINT_URL_CLOUDWATCH)', url)
    .action(async (opts: ConsumeFlags) => {
      const config = loadConfig({
        file: opts.config,
        flags: {
          stream: opts.stream, bucket: opts.bucket, prefix: opts.prefix, region: opts.region, startAt: opts.startAt,
          flushIntervalMs: opts.flushIntervalMs, flushRecords: opts.flushRecords, logLevel: opts.logLevel,
        },
      })
      if (!config.stream) throw usage('--stream <name> (or BATCHMETER_STREAM, or "stream" in --config) is required')
      if (!config.bucket) throw usage('--bucket <bucket> (or BATCHMETER_BUCKET, or "bucket" in --config) is required')
      const logger = createLogger(config.logLevel)
      const kinesis = createKinesisClient({ region: config.region, endpoint: opts.kinesisEndpointUrl ?? opts.endpointUrl })
      const s3 = createS3Client({ region: config.region, endpoint: opts.s3EndpointUrl ?? opts.endpointUrl })
      if (opts.metrics !== undefined && opts.metrics !== 'cloudwatch') throw usage(`--metrics ${opts.metrics}: the only target is "cloudwatch"; use --metrics-out <file> for EMF lines`)
      if (opts.metrics && opts.metricsOut) throw usage('--metrics and --metrics-out are exclusive: pick one')
      const metricsConfig = resolveMetricsConfig({ namespace: opts.namespace })
      const cloudwatch = opts.metrics ? createCloudWatchClient({ region: config.region, endpoint: opts.cloudwatchEndpointUrl ?? opts.endpointUrl }) : undefined
      const publisher: MetricsPublisher | undefined = cloudwatch
        ? createPutMetricDataPublisher({ client: cloudwatch, namespace: metricsConfig.namespace })
        : opts.metricsOut
          ? createEmfFilePublisher({ path: opts.metricsOut, namespace: metricsConfig.namespace })
          : undefined
      const startAt = config.startAt === 'TRIM_HORIZON' || config.startAt === 'LATEST' ? config.startAt : { timestamp: new Date(config.startAt) }
      const progress = createProgressLine('consume', process.stderr, 5000)
      let retentionGaps = 0
      const consumer = await startStandaloneConsumer({
        kinesis,
        streamName: config.stream,
        objectStore: createS3ObjectStore({ client: s3, bucket: config.bucket }),
        prefix: config.prefix,
        startAt,
        ...(opts.untilIdle ? { stopWhenIdleMs: opts.idleMs } : {}),
        flushIntervalMs: config.flushIntervalMs,
        flushRecords: config.flushRecords,
        getRecordsLimit: opts.getRecordsLimit,
        storeOptions: { retainAfterTerminalMs: config.retainAfterTerminalHours * 3600_000, maxAgeMs: config.maxJobAgeDays * 86_400_000 },
        logger,
        onStep: killSwitch(process.env.BATCHMETER_KILL_AT),
        onRetentionGap: () => void retentionGaps++,
        ...(publisher ? { metrics: { publisher, config: metricsConfig } } : {}),
        onProgress: (p) =>
          progress.update(p.counters.records, 'records', `lag ${Math.max(0, ...Object.values(p.millisBehindLatest))} ms, ${p.counters.duplicates} duplicates, ${p.counters.deadLetters} dead letters, ${p.jobsInState} jobs in state`),
      })
      let signals = 0
      const onSignal = (signal: NodeJS.Signals): void => {
        if (++signals > 1) process.exit(130)
        logger.info({ signal }, 'stopping: flushing and checkpointing before exit (signal again to abort)')
        void consumer.stop()
      }
      process.on('SIGINT', onSignal)
      process.on('SIGTERM', onSignal)
      try {
        const result = await consumer.done
        progress.done(`${result.counters.records} records, ${result.eventsWritten} events and ${result.counters.jobsFinished} finished jobs written in ${result.filesWritten} files`)
        process.stdout.write(`${JSON.stringify({ ...result.counters, events_written: result.eventsWritten, files_written: result.filesWritten, flushes: result.flushes, retention_gaps: retentionGaps })}\n`)
      } finally {
        process.off('SIGINT', onSignal)
        process.off('SIGTERM', onSignal)
        kinesis.destroy()
        s3.destroy()
        await publisher?.close?.()
        cloudwatch?.destroy()
      }
    })
}

const usage = (message: string): BatchmeterError => new BatchmeterError(ErrorCode.Usage, message)

/**
 * Fault injection for the crash-recovery tests: BATCHMETER_KILL_AT=<step>:<flush>
 * (e.g. `files-written:2`) sends this process SIGKILL right after that commit step.
 */
function killSwitch(spec: string | undefined): ((step: CommitStep, flush: number) => void) | undefined {
  if (!spec) return undefined
  const [step, flush] = spec.split(':')
  let fileWrites = 0
  return (s, f) => {
    if (s === 'intent-written') fileWrites = 0
    if (s === 'file-written') fileWrites++
    // `file-written` kills after the flush's first file, i.e. in the middle of its writes.
    if (s === step && String(f) === flush && (s !== 'file-written' || fileWrites === 1)) process.kill(process.pid, 'SIGKILL')
  }
}
