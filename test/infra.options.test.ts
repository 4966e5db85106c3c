/**
 * The construct's props and the app's context: each option changes what it says and
 * nothing else, and a bad value stops the synth with a message naming it. Bundling is
 * skipped (infra.bundles.test.ts builds the functions).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { App, Duration, Stack } from 'aws-cdk-lib'
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions'
import { Bucket } from 'aws-cdk-lib/aws-s3'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_PRICES, parsePriceTable } from '../core/priceTable.js'
import { TABLE_NAMES } from '../core/tables.js'
import { LAMBDA_ENV } from '../consumers/lambda/lambdaConfig.js'
import { createApp } from '../infra/app.js'
import { propsFromContext } from '../infra/appContext.js'
import { batchEventPattern, namedQueues, queueMatchers } from '../infra/batchEventPattern.js'
import { BatchMeter } from '../infra/batchMeter.js'
import type { BatchMeterProps } from '../infra/batchMeterProps.js'
import { contextFromArgv } from '../infra/contextFromArgv.js'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** One BatchMeter in a stack with a dummy account and region, bundling skipped. */
function synth(props: BatchMeterProps | ((stack: Stack) => BatchMeterProps)): Template {
  const outdir = mkdtempSync(join(tmpdir(), 'bm-infra-options-'))
  dirs.push(outdir)
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } })
  const stack = new Stack(app, 'Embedded', { env: { account: '123456789012', region: 'eu-west-1' } })
  new BatchMeter(stack, 'Meter', typeof props === 'function' ? props(stack) : props)
  return Template.fromStack(stack)
}

function synthContext(context: Record<string, unknown>): Template {
  const outdir = mkdtempSync(join(tmpdir(), 'bm-infra-context-'))
  dirs.push(outdir)
  const { app, stack } = createApp({ outdir, nag: false, context: { 'aws:cdk:bundling-stacks': [], ...context } })
  app.synth()
  return Template.fromStack(stack)
}

describe('embedding the construct', () => {
  it('uses an existing bucket: creates none, writes to it, points Glue and Athena at it', () => {
    const t = synth((stack) => ({ bucket: { existing: Bucket.fromBucketName(stack, 'Theirs', 'their-data-bucket') }, prefix: 'bm/' }))
    t.resourceCountIs('AWS::S3::Bucket', 0)
    t.resourceCountIs('AWS::S3::BucketPolicy', 0)
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ BATCHMETER_BUCKET: 'their-data-bucket', BATCHMETER_PREFIX: 'bm/' }) } })
    t.hasResourceProperties('AWS::Glue::Table', { TableInput: Match.objectLike({ Name: 'jobs', StorageDescriptor: Match.objectLike({ Location: 's3://their-data-bucket/bm/jobs/' }) }) })
    t.hasResourceProperties('AWS::Athena::WorkGroup', { WorkGroupConfiguration: Match.objectLike({ ResultConfiguration: Match.objectLike({ OutputLocation: 's3://their-data-bucket/bm/athena-results/' }) }) })
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['s3:PutObject', 's3:DeleteObject'], Resource: Match.arrayWith([Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([':s3:::their-data-bucket/bm/jobs/*'])] })]) })]) },
    })
  })

  it('versioning, access logs and destroy-on-delete change only the new bucket', () => {
    const t = synth({ bucket: { versioned: true, accessLogs: true, destroyOnRemoval: true } })
    t.resourceCountIs('AWS::S3::Bucket', 2)
    t.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'data-bucket/' }),
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'expire-noncurrent-versions', NoncurrentVersionExpiration: { NoncurrentDays: 30 } })]) },
    })
    // The log bucket: S3-managed keys (access logs cannot go to SSE-KMS), TLS only, public access blocked.
    t.hasResourceProperties('AWS::S3::Bucket', { BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] }, PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicAcls: true }) })
    t.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete' })
    // The key goes with the data (after a 7-day wait); by default both stay.
    t.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ PendingWindowInDays: 7 }) })
    synth({}).hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' })
  })

  it('on-demand stream, longer retention, and the record age limit follows retention up to 7 days', () => {
    const t = synth({ stream: { mode: 'on-demand' }, retention: Duration.days(10) })
    t.hasResourceProperties('AWS::Kinesis::Stream', { StreamModeDetails: { StreamMode: 'ON_DEMAND' }, RetentionPeriodHours: 240, ShardCount: Match.absent() })
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', { MaximumRecordAgeInSeconds: 604_800 })
  })

  it('consumer options reach the event source mapping and the environment', () => {
    const t = synth({ consumer: { batchSize: 100, maxBatchingWindow: Duration.seconds(5), parallelizationFactor: 4, maxRetries: 2, maxRecordAge: Duration.hours(1), maxRecordsPerCommit: 500 }, metrics: { namespace: 'Acme/Batch', pipeline: 'prod', byDefinition: true } })
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 100, MaximumBatchingWindowInSeconds: 5, ParallelizationFactor: 4, MaximumRetryAttempts: 2, MaximumRecordAgeInSeconds: 3600 })
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [LAMBDA_ENV.maxRecordsPerCommit]: '500', [LAMBDA_ENV.namespace]: 'Acme/Batch', [LAMBDA_ENV.pipeline]: 'prod', [LAMBDA_ENV.byDefinition]: 'true' }) },
    })
  })

  it('a price table reaches the report function as JSON its handler parses back', () => {
    const prices = { ...DEFAULT_PRICES, version: 'acme-2026', queues: { 'prod-gpu': { capacity: 'spot' as const } } }
    const t = Template.fromJSON(synth({ prices }).toJSON())
    const fn = Object.values(t.findResources('AWS::Lambda::Function')).find((f) => JSON.stringify(f).includes('BATCHMETER_PRICES_JSON'))
    const json = (fn!.Properties.Environment.Variables as Record<string, string>).BATCHMETER_PRICES_JSON!
    expect(parsePriceTable(JSON.parse(json), 'env')).toEqual(prices)
  })

  it('an archive of the same events on the default bus, for backfill by replay', () => {
    const t = synth({ archiveRetention: Duration.days(400), queues: ['prod'] })
    const rule = Object.values(t.findResources('AWS::Events::Rule'))[0]!
    t.hasResourceProperties('AWS::Events::Archive', { RetentionDays: 400, EventPattern: rule.Properties.EventPattern })
    expect(JSON.stringify(Object.values(t.findResources('AWS::Events::Archive'))[0]!.Properties.SourceArn)).toContain(':events:eu-west-1:123456789012:event-bus/default')
    t.hasOutput('*', { Description: Match.stringLikeRegexp('event source of a replay') })
    t.resourceCountIs('AWS::Events::Archive', 1)
    synth({}).resourceCountIs('AWS::Events::Archive', 0)
  })

  it('no report schedule: no scheduler, no report function', () => {
    const t = synth({ reports: { schedule: false } })
    t.resourceCountIs('AWS::Scheduler::Schedule', 0)
    t.resourceCountIs('AWS::Lambda::Function', 1)
  })

  it('an existing encryption key is used everywhere and no key is created', () => {
    const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555'
    const t = synthContext({ kmsKeyArn: keyArn })
    t.resourceCountIs('AWS::KMS::Key', 0)
    t.hasResourceProperties('AWS::Kinesis::Stream', { StreamEncryption: { EncryptionType: 'KMS', KeyId: keyArn } })
    t.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: keyArn })
  })

  it('the standalone consumer: one Fargate task that never overlaps another, reading the stream and writing the prefix', () => {
    const t = synth({ standaloneConsumer: { enabled: true }, prefix: 'bm' })
    t.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 1, LaunchType: 'FARGATE', DeploymentConfiguration: Match.objectLike({ MaximumPercent: 100, MinimumHealthyPercent: 0 }) })
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Command: ['consume', '--metrics', 'cloudwatch', '--namespace', 'Batchmeter'], Environment: Match.arrayWith([{ Name: 'BATCHMETER_PREFIX', Value: 'bm' }]) })],
    })
    t.resourceCountIs('AWS::EC2::NatGateway', 0)
  })

  it('the standalone consumer instead of the Lambda one: no function on the stream; both at once is a warning; neither is an error', () => {
    const t = synth({ standaloneConsumer: { enabled: true }, consumer: { enabled: false } })
    t.resourceCountIs('AWS::Lambda::EventSourceMapping', 0)
    t.resourceCountIs('AWS::DynamoDB::Table', 0)
    t.resourceCountIs('AWS::ECS::Service', 1)
    const outdir = mkdtempSync(join(tmpdir(), 'bm-infra-options-'))
    dirs.push(outdir)
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } })
    const stack = new Stack(app, 'Both')
    new BatchMeter(stack, 'Meter', { standaloneConsumer: { enabled: true } })
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('Both the Lambda and the standalone consumer'))
    expect(() => synth({ consumer: { enabled: false } })).toThrow(/no consumer/)
  })

  it('rejects bad values with a message naming them', () => {
    expect(() => synth({ prefix: 'a b' })).toThrow(/prefix "a b"/)
    expect(() => synth({ stream: { mode: 'provisioned', shards: 0 } })).toThrow(/shards is 0/)
    expect(() => synth({ consumer: { parallelizationFactor: 11 } })).toThrow(/parallelizationFactor is 11/)
    expect(() => synth({ bytesScannedCutoffPerQuery: 5 })).toThrow(/bytesScannedCutoffPerQuery is 5/)
    expect(() => synth({ databaseName: 'Bad-Name' })).toThrow(/database name "Bad-Name"/)
    expect(() => synth({ queues: ['not a queue'] })).toThrow(/queue "not a queue"/)
  })
})

describe('queue filter', () => {
  it('ARNs match exactly, names by suffix, prefixes by wildcard; alarms only for names', () => {
    const arn = 'arn:aws:batch:us-east-1:123456789012:job-queue/gpu'
    expect(batchEventPattern([]).detail).toBeUndefined()
    expect(queueMatchers([arn])).toEqual([arn])
    expect(namedQueues([arn, 'cpu', 'dev-*', 'cpu'])).toEqual(['gpu', 'cpu'])
    expect(() => queueMatchers(['arn:aws:batch:us-east-1:123456789012:compute-environment/x'])).toThrow(/not a job queue ARN/)
  })
})

describe('app context', () => {
  const read = (context: Record<string, unknown>): BatchMeterProps => {
    const app = new App({ context })
    return propsFromContext(app.node, new Stack(app, 'S'))
  }

  it('defaults: everything from DEFAULTS, nothing extra', () => {
    const p = read({})
    expect(p.stream).toBeUndefined()
    expect(p.queues).toBeUndefined()
    expect(p.standaloneConsumer).toEqual({ enabled: false })
    expect(p.consumer).toEqual({ enabled: true })
    expect(p.bucket).toEqual({ versioned: false, accessLogs: false, destroyOnRemoval: false })
  })

  it('reads each key', () => {
    const p = read({ streamMode: 'provisioned', shards: '4', retentionHours: '48', archiveDays: '30', queues: 'a, b,c-*', reportSchedule: 'off', alarmEmail: 'a@b.c', namespace: 'X', parallelizationFactor: 2, scanCutoffGb: '1', standaloneConsumer: 'true', lambdaConsumer: 'false', versioned: true })
    expect(p).toMatchObject({ stream: { mode: 'provisioned', shards: 4 }, queues: ['a', 'b', 'c-*'], reports: { schedule: false }, alarms: { email: 'a@b.c' }, metrics: { namespace: 'X' }, consumer: { enabled: false, parallelizationFactor: 2 }, bytesScannedCutoffPerQuery: 1_000_000_000, standaloneConsumer: { enabled: true } })
    expect(p.retention?.toHours()).toBe(48)
    expect(p.archiveRetention?.toDays()).toBe(30)
    expect(p.bucket?.versioned).toBe(true)
    expect(read({ streamMode: 'on-demand' }).stream).toEqual({ mode: 'on-demand' })
  })

  it('names the key of a bad value', () => {
    expect(() => read({ shards: 'two' })).toThrow(/context shards="two"/)
    expect(() => read({ streamMode: 'on-demand', shards: 2 })).toThrow(/context shards=2: only with streamMode=provisioned/)
    expect(() => read({ reportSchedule: 'hourly' })).toThrow(/reportSchedule/)
    expect(() => read({ versioned: 'yes' })).toThrow(/context versioned="yes"/)
    expect(() => read({ kmsKeyArn: 'alias/mine' })).toThrow(/kmsKeyArn/)
  })

  it('reads -c / --context pairs for `npm run synth --`', () => {
    expect(contextFromArgv(['-c', 'queues=a,b', '--context', 'prefix=x=y', '--context=reportSchedule=off', 'other'])).toEqual({ queues: 'a,b', prefix: 'x=y', reportSchedule: 'off' })
    expect(() => contextFromArgv(['-c', 'novalue'])).toThrow(/key=value/)
  })

  it('every table folder is writable through the context-built app (smoke)', () => {
    const t = synthContext({ prefix: 'p' })
    const policies = JSON.stringify(t.findResources('AWS::IAM::Policy'))
    for (const table of TABLE_NAMES) expect(policies).toContain(`/p/${table}/*`)
  })
})
