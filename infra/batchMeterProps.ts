/**
 * What a deployment of batchmeter can be told, with the defaults in one place
 * (`DEFAULTS`). The construct (batchMeter.ts) and the app's context parser
 * (appContext.ts) both read these.
 */
import { Duration } from 'aws-cdk-lib'
import type { IVpc } from 'aws-cdk-lib/aws-ec2'
import type { ContainerImage } from 'aws-cdk-lib/aws-ecs'
import type { IKey } from 'aws-cdk-lib/aws-kms'
import type { IBucket } from 'aws-cdk-lib/aws-s3'
import type { ITopic } from 'aws-cdk-lib/aws-sns'
import type { PriceTable } from '../core/priceTable.js'
import type { AlarmThresholds } from '../consumers/metrics/buildAlarms.js'
import type { MetricsOptions } from '../consumers/metrics/metricsConfig.js'

/** The Kinesis stream's capacity mode. */
export type StreamCapacity = { mode: 'on-demand' } | { mode: 'provisioned'; shards: number }

export const ReportSchedule = { Daily: 'daily', Weekly: 'weekly', Monthly: 'monthly' } as const
export type ReportSchedule = (typeof ReportSchedule)[keyof typeof ReportSchedule]

export interface BucketOptions {
  /** An existing bucket to write to. Default: a new bucket (block public access, TLS only, encrypted with the key). */
  existing?: IBucket
  /** Keep every version of every object (new bucket only). Default false. */
  versioned?: boolean
  /** Server access logs to a log bucket of their own (new bucket only). Default false. */
  accessLogs?: boolean
  /** Days dead-letter files are kept (new bucket only). Default 90. */
  deadLetterDays?: number
  /** Days Athena result files are kept (new bucket only). Default 7. */
  athenaResultDays?: number
  /** Days scheduled report files are kept (new bucket only). Default 400. */
  reportDays?: number
  /** Delete the bucket and its objects on `cdk destroy` (new bucket only). Default false: the data outlives the stack. */
  destroyOnRemoval?: boolean
}

export interface ConsumerOptions {
  /** Deploy the consumer Lambda. Default true; turn it off when the standalone consumer (ECS) reads the stream instead. */
  enabled?: boolean
  /** Records per invocation (1–10,000). Default 5000. */
  batchSize?: number
  /** Longest wait to fill a batch: fewer, larger Parquet files. Default 60 s. */
  maxBatchingWindow?: Duration
  /** Concurrent batches per shard (1–10); records of one job stay in order. Default 1. */
  parallelizationFactor?: number
  /** Retries of a failing batch before its metadata goes to the on-failure queue. Default 10. */
  maxRetries?: number
  /** Oldest record still handed to the function. Default the stream's retention, at most 7 days. */
  maxRecordAge?: Duration
  /** Function memory (MB). Default 1024. */
  memorySize?: number
  /** Function timeout. Default 5 minutes. */
  timeout?: Duration
  /** Kinesis records committed together (`BATCHMETER_MAX_RECORDS_PER_COMMIT`). Default: the whole batch. */
  maxRecordsPerCommit?: number
  /** Hours dedupe state is kept after a job ends. Default 48 (longer than stream retention plus EventBridge's retry window). */
  retainAfterTerminalHours?: number
  /** Days after which the state of a job that never ended is dropped. Default 14. */
  maxJobAgeDays?: number
  /** Function log level. Default 'info'. */
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
}

export interface ReportOptions {
  /** How often the canned reports run. Default 'daily'; `false` for none (no scheduler, no report function). */
  schedule?: ReportSchedule | false
  /** Which canned reports (`queries/reports/<name>.sql`) the schedule runs. Default: every one. */
  reports?: readonly string[]
  /** Email address subscribed to a new report topic. Default none. */
  email?: string
  /** An existing topic to announce reports on (wins over `email`). Default none, or a new topic when `email` is given. */
  topic?: ITopic
}

export interface AlarmOptions {
  /** Email address subscribed to a new alarm topic. Default none. */
  email?: string
  /** An existing topic for alarm notifications (wins over `email`). Default none, or a new topic when `email` is given. */
  topic?: ITopic
  /** Thresholds of the generated alarms. Default buildAlarms' defaults. */
  thresholds?: AlarmThresholds
}

export interface StandaloneConsumerOptions {
  /** Run the standalone consumer (`batchmeter consume`) as an ECS Fargate service. Default false. */
  enabled?: boolean
  /**
   * The container image. Default: built from `infra/consumer.Dockerfile` at deploy time (needs Docker where
   * `cdk deploy` runs; synth needs none).
   */
  image?: ContainerImage
  /** The VPC. Default: a new VPC with public subnets only and no NAT gateway (the task gets a public IP). */
  vpc?: IVpc
  /** Task vCPU units. Default 512. */
  cpu?: number
  /** Task memory (MiB). Default 1024. */
  memoryMiB?: number
}

export interface BatchMeterProps {
  /** Bucket for the tables, dead letters, Athena results and reports. Default: a new bucket. */
  bucket?: BucketOptions
  /** Key prefix of everything batchmeter writes in the bucket. Default '' (none). */
  prefix?: string
  /** The stream's capacity. Default one provisioned shard (the cheapest at rest). */
  stream?: StreamCapacity
  /** Stream retention (24 hours to 365 days). Default 24 hours. */
  retention?: Duration
  /** KMS key for the stream, bucket, queues, table and topics. Default: a new key with rotation on. */
  encryptionKey?: IKey
  /**
   * Queues to follow: full ARNs (`arn:aws:batch:…:job-queue/name`), names, or name prefixes
   * ending in `*`. Default: every queue of the account and region. Named queues (not prefixes)
   * also get the per-queue alarms.
   */
  queues?: readonly string[]
  /** Archive the matched AWS Batch events on the default bus for this long, to backfill by replay. Default: no archive. */
  archiveRetention?: Duration
  /** Prices for the cost reports. Default `DEFAULT_PRICES` (us-east-1 list prices). */
  prices?: PriceTable
  /** Glue database name. Default 'batchmeter'. */
  databaseName?: string
  /** Athena workgroup name. Default 'batchmeter'. */
  workGroupName?: string
  /** Largest scan a query may do, in bytes (at least 10 MB). Default 10 GiB. */
  bytesScannedCutoffPerQuery?: number
  /** The consumer Lambda and its event source mapping. */
  consumer?: ConsumerOptions
  /** The CloudWatch metrics the consumer publishes (the function reads these three). */
  metrics?: Pick<MetricsOptions, 'namespace' | 'pipeline' | 'byDefinition'>
  /** Scheduled reports. Default daily, no notification. */
  reports?: ReportOptions
  /** Dashboard and alarms. Default: both, no notification. */
  alarms?: AlarmOptions
  /** The standalone consumer on ECS Fargate, instead of or besides Lambda. Default off. */
  standaloneConsumer?: StandaloneConsumerOptions
  /** Prefix of resource names that must be unique in the account (alarms, dashboard). Default 'batchmeter'. */
  namePrefix?: string
}

export const DEFAULTS = {
  prefix: '',
  stream: { mode: 'provisioned', shards: 1 } as StreamCapacity,
  retention: Duration.hours(24),
  databaseName: 'batchmeter',
  workGroupName: 'batchmeter',
  bytesScannedCutoffPerQuery: 10 * 1024 ** 3,
  namePrefix: 'batchmeter',
  bucket: { versioned: false, accessLogs: false, deadLetterDays: 90, athenaResultDays: 7, reportDays: 400, destroyOnRemoval: false },
  consumer: {
    batchSize: 5000,
    maxBatchingWindow: Duration.seconds(60),
    parallelizationFactor: 1,
    maxRetries: 10,
    memorySize: 1024,
    timeout: Duration.minutes(5),
    retainAfterTerminalHours: 48,
    maxJobAgeDays: 14,
    logLevel: 'info',
  },
  reportSchedule: ReportSchedule.Daily as ReportSchedule | false,
  standaloneConsumer: { cpu: 512, memoryMiB: 1024 },
  /** EventBridge: retries and age of an undeliverable event before it goes to the dead-letter queue. */
  ruleRetryAttempts: 185,
  ruleMaxEventAge: Duration.hours(24),
} as const

/** Folders below the prefix that are not tables. */
export const FOLDERS = { athenaResults: 'athena-results', reports: 'reports' } as const
