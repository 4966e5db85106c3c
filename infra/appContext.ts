/**
 * The app's settings from CDK context (`npx cdk deploy -c key=value`, or `context` in
 * cdk.json), validated once into BatchMeterProps: a bad value names its key.
 */
import { Duration } from 'aws-cdk-lib'
import { type IKey, Key } from 'aws-cdk-lib/aws-kms'
import { Bucket } from 'aws-cdk-lib/aws-s3'
import type { Construct } from 'constructs'
import { BatchmeterError, ErrorCode } from '../core/errors.js'
import { loadPriceTable } from '../core/priceTable.js'
import { type BatchMeterProps, ReportSchedule, type StreamCapacity } from './batchMeterProps.js'

/** Every context key the app reads, with what it means (the README's table). */
export const CONTEXT_KEYS = {
  stackName: 'CloudFormation stack name (default BatchMeter)',
  bucketName: 'existing bucket to write to (default: a new bucket)',
  prefix: 'key prefix in the bucket (default none)',
  versioned: 'true to keep object versions in the new bucket (default false)',
  accessLogs: 'true for S3 server access logs of the new bucket (default false)',
  destroyData: 'true to delete the new bucket and its data on cdk destroy (default false: kept)',
  streamMode: "'provisioned' (default) or 'on-demand'",
  shards: 'provisioned shards (default 1)',
  retentionHours: 'stream retention in hours, 24–8760 (default 24)',
  kmsKeyArn: 'existing KMS key for everything (default: a new key)',
  archiveDays: 'also archive the matched events for this many days, for backfill by replay (default: no archive)',
  queues: 'comma-separated queue names, ARNs or name prefixes ending in * (default: all queues)',
  prices: 'price file (JSON, see README "Prices") for the cost reports (default: list prices)',
  reportSchedule: "'daily' (default), 'weekly', 'monthly' or 'off'",
  reportEmail: 'email address told about each scheduled report (default none)',
  alarmEmail: 'email address told about alarms (default none)',
  namespace: "CloudWatch namespace (default 'Batchmeter')",
  parallelizationFactor: 'concurrent Lambda batches per shard, 1–10 (default 1)',
  scanCutoffGb: 'largest scan an Athena query may do, in GB (default 10)',
  standaloneConsumer: 'true to run the standalone consumer on ECS Fargate (needs Docker at deploy; default false)',
  lambdaConsumer: 'false to leave out the consumer Lambda, with standaloneConsumer=true (default true)',
} as const
export type ContextKey = keyof typeof CONTEXT_KEYS

/** What the app reads context through: `node.tryGetContext`. */
export type ContextSource = Pick<Construct['node'], 'tryGetContext'>

const bad = (key: string, value: unknown, expected: string): never => {
  throw new BatchmeterError(ErrorCode.Config, `context ${key}=${JSON.stringify(value)}: ${expected}`, { context: { key } })
}

function reader(source: ContextSource) {
  const raw = (key: ContextKey): unknown => {
    const v: unknown = source.tryGetContext(key)
    return v === '' ? undefined : v
  }
  const string = (key: ContextKey): string | undefined => {
    const v = raw(key)
    if (v === undefined || typeof v === 'string') return v
    return bad(key, v, 'expected text')
  }
  const bool = (key: ContextKey): boolean | undefined => {
    const v = raw(key)
    if (v === undefined || typeof v === 'boolean') return v
    if (v === 'true' || v === 'false') return v === 'true'
    return bad(key, v, 'expected true or false')
  }
  const int = (key: ContextKey, min: number, max: number): number | undefined => {
    const v = raw(key)
    if (v === undefined) return undefined
    const n = typeof v === 'number' ? v : Number(v)
    if (!Number.isInteger(n) || n < min || n > max) return bad(key, v, `expected a whole number from ${min} to ${max}`)
    return n
  }
  const list = (key: ContextKey): string[] | undefined => {
    const v = raw(key)
    if (v === undefined) return undefined
    const items = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : bad(key, v, 'expected a comma-separated list')
    return items.map((x) => String(x).trim()).filter(Boolean)
  }
  return { string, bool, int, list, raw }
}

function streamCapacity(mode: string | undefined, shards: number | undefined): StreamCapacity | undefined {
  if (mode === undefined) return shards === undefined ? undefined : { mode: 'provisioned', shards }
  if (mode === 'on-demand') return shards === undefined ? { mode } : bad('shards', shards, 'only with streamMode=provisioned')
  if (mode === 'provisioned') return { mode, shards: shards ?? 1 }
  return bad('streamMode', mode, "expected 'provisioned' or 'on-demand'")
}

function reportSchedule(v: string | undefined): ReportSchedule | false | undefined {
  if (v === undefined) return undefined
  if (v === 'off') return false
  if ((Object.values(ReportSchedule) as string[]).includes(v)) return v as ReportSchedule
  return bad('reportSchedule', v, "expected 'daily', 'weekly', 'monthly' or 'off'")
}

/** BatchMeterProps from context; `scope` is where imported resources (bucket, key) are referenced from. */
export function propsFromContext(source: ContextSource, scope: Construct): BatchMeterProps {
  const c = reader(source)
  const bucketName = c.string('bucketName')
  const kmsKeyArn = c.string('kmsKeyArn')
  const pricesFile = c.string('prices')
  const retentionHours = c.int('retentionHours', 24, 8760)
  const archiveDays = c.int('archiveDays', 1, 36_500)
  const cutoffGb = c.int('scanCutoffGb', 1, 1_000_000)
  const schedule = reportSchedule(c.string('reportSchedule'))
  const reportEmail = c.string('reportEmail')
  const alarmEmail = c.string('alarmEmail')
  const namespace = c.string('namespace')
  const parallelizationFactor = c.int('parallelizationFactor', 1, 10)
  return {
    bucket: {
      ...(bucketName ? { existing: Bucket.fromBucketName(scope, 'ExistingBucket', bucketName) } : {}),
      versioned: c.bool('versioned') ?? false,
      accessLogs: c.bool('accessLogs') ?? false,
      destroyOnRemoval: c.bool('destroyData') ?? false,
    },
    prefix: c.string('prefix') ?? '',
    ...(kmsKeyArn ? { encryptionKey: importKey(scope, kmsKeyArn) } : {}),
    ...optional('stream', streamCapacity(c.string('streamMode'), c.int('shards', 1, 10_000))),
    ...optional('retention', retentionHours === undefined ? undefined : Duration.hours(retentionHours)),
    ...optional('queues', c.list('queues')),
    ...optional('archiveRetention', archiveDays === undefined ? undefined : Duration.days(archiveDays)),
    ...optional('prices', pricesFile === undefined ? undefined : loadPriceTable(pricesFile)),
    ...optional('bytesScannedCutoffPerQuery', cutoffGb === undefined ? undefined : cutoffGb * 1_000_000_000),
    reports: { ...optional('schedule', schedule), ...optional('email', reportEmail) },
    alarms: { ...optional('email', alarmEmail) },
    ...optional('metrics', namespace === undefined ? undefined : { namespace }),
    consumer: { enabled: c.bool('lambdaConsumer') ?? true, ...optional('parallelizationFactor', parallelizationFactor) },
    standaloneConsumer: { enabled: c.bool('standaloneConsumer') ?? false },
  }
}

const optional = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> => (value === undefined ? {} : ({ [key]: value } as Record<K, V>))

function importKey(scope: Construct, arn: string): IKey {
  if (!/^arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f-]{36})$/.test(arn)) bad('kmsKeyArn', arn, 'expected arn:aws:kms:<region>:<account>:key/<key id>')
  return Key.fromKeyArn(scope, 'ExistingKey', arn)
}
