/**
 * The deployed pipeline as CloudFormation: EventBridge rule → Kinesis → consumer
 * Lambda (event source mapping, state table) → S3 bucket, synthesized offline from the
 * app with its defaults (bundling skipped here; infra.bundles.test.ts builds them).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Match, Template } from 'aws-cdk-lib/assertions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { envVarOf } from '../core/config.js'
import { TABLE_NAMES } from '../core/tables.js'
import { LAMBDA_ENV } from '../consumers/lambda/lambdaConfig.js'
import { STATE_TABLE, stateTableDefinition } from '../consumers/lambda/stateTable.js'
import { DetailType } from '../producers/model/batchEvent.js'
import { DEAD_LETTER_TABLE } from '../queries/ddl/deadLetterTable.js'
import { createApp } from '../infra/app.js'
import { DEFAULTS } from '../infra/batchMeterProps.js'
import { PARTITION_KEY_PATH } from '../infra/constructs/batchEventRule.js'
import { STATE_TABLE_ACTIONS } from '../infra/constructs/kinesisConsumer.js'
import { PROJECT_ROOT } from '../infra/nodeFunction.js'

type Resource = { Type: string; Properties: Record<string, unknown> }
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown; Principal?: unknown }

let outdir: string
let template: Template
let resources: Record<string, Resource>

const ofType = (type: string): [string, Resource][] => Object.entries(resources).filter(([, r]) => r.Type === type)
const only = (type: string): [string, Resource] => {
  const found = ofType(type)
  expect(found, type).toHaveLength(1)
  return found[0]!
}
const ref = (logicalId: string) => ({ Ref: logicalId })
const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] })
const actions = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action])
/** The statements of the inline policies attached to a role. */
function statementsOfRole(roleLogicalId: string): Statement[] {
  return ofType('AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([ref(roleLogicalId)]))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
}

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'bm-infra-pipeline-'))
  const { app, stack } = createApp({ outdir, nag: false, context: { 'aws:cdk:bundling-stacks': [] } })
  app.synth()
  template = Template.fromStack(stack)
  resources = template.toJSON().Resources as Record<string, Resource>
})
afterAll(() => rmSync(outdir, { recursive: true, force: true }))

describe('EventBridge rule', () => {
  it('matches aws.batch events of the four Batch detail-types on the default bus', () => {
    const [, rule] = only('AWS::Events::Rule')
    expect(rule.Properties.EventBusName).toBeUndefined()
    expect(rule.Properties.EventPattern).toEqual({ source: ['aws.batch'], 'detail-type': Object.values(DetailType) })
  })

  it('targets the stream, whole event as the record, partitioned by job id, with retries and a dead-letter queue', () => {
    const [streamId] = only('AWS::Kinesis::Stream')
    const [, rule] = only('AWS::Events::Rule')
    const targets = rule.Properties.Targets as Record<string, unknown>[]
    expect(targets).toHaveLength(1)
    const target = targets[0]!
    expect(PARTITION_KEY_PATH).toBe('$.detail.jobId')
    expect(target).toMatchObject({
      Arn: arnOf(streamId),
      KinesisParameters: { PartitionKeyPath: '$.detail.jobId' },
      RetryPolicy: { MaximumRetryAttempts: DEFAULTS.ruleRetryAttempts, MaximumEventAgeInSeconds: DEFAULTS.ruleMaxEventAge.toSeconds() },
    })
    // No Input / InputPath / InputTransformer: EventBridge sends the whole event JSON, which is what the consumer decodes.
    expect(Object.keys(target).filter((k) => k.startsWith('Input'))).toEqual([])
    const dlqId = (target.DeadLetterConfig as { Arn: { 'Fn::GetAtt': [string, string] } }).Arn['Fn::GetAtt'][0]
    expect(resources[dlqId]!.Type).toBe('AWS::SQS::Queue')
    expect(resources[dlqId]!.Properties.KmsMasterKeyId).toBeDefined()
  })

  it('puts records through a role that may write to that one stream only', () => {
    const [streamId] = only('AWS::Kinesis::Stream')
    const [keyId] = only('AWS::KMS::Key')
    const [, rule] = only('AWS::Events::Rule')
    const roleId = ((rule.Properties.Targets as { RoleArn: { 'Fn::GetAtt': [string] } }[])[0]!.RoleArn['Fn::GetAtt'][0])
    const role = resources[roleId]!
    expect(JSON.stringify(role.Properties.AssumeRolePolicyDocument)).toContain('events.amazonaws.com')
    const statements = statementsOfRole(roleId)
    const kinesis = statements.filter((s) => actions(s).some((a) => a.startsWith('kinesis:')))
    expect(kinesis).toHaveLength(1)
    expect(actions(kinesis[0]!).sort()).toEqual(['kinesis:ListShards', 'kinesis:PutRecord', 'kinesis:PutRecords'])
    expect(kinesis[0]!.Resource).toEqual(arnOf(streamId))
    for (const s of statements) expect([arnOf(streamId), arnOf(keyId)]).toContainEqual(s.Resource)
  })

  it("lets EventBridge use the key for its dead-letter queue, from this account only", () => {
    const [, key] = only('AWS::KMS::Key')
    const statement = (key.Properties.KeyPolicy as { Statement: Statement[] }).Statement.find((s) => JSON.stringify(s.Principal).includes('events.amazonaws.com'))
    expect(statement).toMatchObject({ Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } })
  })
})

describe('Kinesis stream', () => {
  it('is encrypted with the customer managed key (rotation on), one provisioned shard, 24 h retention by default', () => {
    const [keyId, key] = only('AWS::KMS::Key')
    expect(key.Properties.EnableKeyRotation).toBe(true)
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamEncryption: { EncryptionType: 'KMS', KeyId: arnOf(keyId) },
      ShardCount: 1,
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      RetentionPeriodHours: 24,
    })
  })
})

describe('S3 bucket', () => {
  it('blocks public access, is KMS-encrypted with a bucket key, unversioned by default and kept on delete', () => {
    const [keyId] = only('AWS::KMS::Key')
    const [bucketId, bucket] = only('AWS::S3::Bucket')
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: arnOf(keyId) } }] },
    })
    expect(bucket.Properties.VersioningConfiguration).toBeUndefined()
    expect(bucket.Properties.LoggingConfiguration).toBeUndefined()
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' })
    expect(bucketId).toBeTruthy()
  })

  it('refuses every request without TLS', () => {
    const [bucketId] = only('AWS::S3::Bucket')
    const [, policy] = only('AWS::S3::BucketPolicy')
    expect(policy.Properties.Bucket).toEqual(ref(bucketId))
    expect((policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement).toContainEqual({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      Resource: [arnOf(bucketId), { 'Fn::Join': ['', [arnOf(bucketId), '/*']] }],
    })
  })

  it('expires dead letters, Athena results and reports, and aborts stale uploads', () => {
    const [, bucket] = only('AWS::S3::Bucket')
    const rules = (bucket.Properties.LifecycleConfiguration as { Rules: { Id: string; Prefix?: string; ExpirationInDays?: number; AbortIncompleteMultipartUpload?: unknown; Status: string }[] }).Rules
    const byId = Object.fromEntries(rules.map((r) => [r.Id, r]))
    expect(byId['expire-dead-letters']).toMatchObject({ Prefix: `${DEAD_LETTER_TABLE.folder}/`, ExpirationInDays: DEFAULTS.bucket.deadLetterDays, Status: 'Enabled' })
    expect(byId['expire-athena-results']).toMatchObject({ Prefix: 'athena-results/', ExpirationInDays: DEFAULTS.bucket.athenaResultDays, Status: 'Enabled' })
    expect(byId['expire-reports']).toMatchObject({ Prefix: 'reports/', ExpirationInDays: DEFAULTS.bucket.reportDays })
    expect(byId['abort-incomplete-uploads']).toMatchObject({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } })
    // The tables themselves never expire.
    for (const r of rules) for (const t of TABLE_NAMES) expect(r.Prefix ?? '').not.toContain(t)
  })
})

describe('consumer Lambda and its event source mapping', () => {
  const consumer = (): [string, Resource] => {
    const found = ofType('AWS::Lambda::Function').filter(([, f]) => String(f.Properties.Description).includes('Kinesis consumer'))
    expect(found).toHaveLength(1)
    return found[0]!
  }

  it('runs the handler on Node 22 (ESM bundle) with the environment lambdaConfig.ts reads', () => {
    const [, fn] = consumer()
    const [tableId] = only('AWS::DynamoDB::Table')
    const [bucketId] = only('AWS::S3::Bucket')
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Handler: 'index.handler', Architectures: ['arm64'], MemorySize: DEFAULTS.consumer.memorySize, Timeout: DEFAULTS.consumer.timeout.toSeconds() })
    const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables
    expect(env).toMatchObject({
      [envVarOf('bucket')]: ref(bucketId),
      [envVarOf('prefix')]: '',
      [envVarOf('retainAfterTerminalHours')]: String(DEFAULTS.consumer.retainAfterTerminalHours),
      [envVarOf('maxJobAgeDays')]: String(DEFAULTS.consumer.maxJobAgeDays),
      [LAMBDA_ENV.stateTable]: ref(tableId),
      [LAMBDA_ENV.namespace]: 'Batchmeter',
      [LAMBDA_ENV.pipeline]: 'batchmeter',
      [LAMBDA_ENV.byDefinition]: 'false',
    })
    expect(env[LAMBDA_ENV.maxRecordsPerCommit]).toBeUndefined()
  })

  it('reads the stream from the start: batch size and window, partial batch responses, bisect, bounded retries and age, SQS on failure', () => {
    const [fnId] = consumer()
    const [streamId] = only('AWS::Kinesis::Stream')
    const [, esm] = only('AWS::Lambda::EventSourceMapping')
    expect(esm.Properties).toMatchObject({
      EventSourceArn: arnOf(streamId),
      FunctionName: ref(fnId),
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: DEFAULTS.consumer.batchSize,
      MaximumBatchingWindowInSeconds: DEFAULTS.consumer.maxBatchingWindow.toSeconds(),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: DEFAULTS.consumer.maxRetries,
      MaximumRecordAgeInSeconds: DEFAULTS.retention.toSeconds(),
      ParallelizationFactor: DEFAULTS.consumer.parallelizationFactor,
    })
    const destination = (esm.Properties.DestinationConfig as { OnFailure: { Destination: { 'Fn::GetAtt': [string] } } }).OnFailure.Destination['Fn::GetAtt'][0]
    expect(resources[destination]!.Type).toBe('AWS::SQS::Queue')
    expect(resources[destination]!.Properties.KmsMasterKeyId).toBeDefined()
  })

  it("has a state table built from the handler's own definition: keys, gauge index, TTL, KMS, on-demand", () => {
    const [keyId] = only('AWS::KMS::Key')
    const definition = stateTableDefinition('x')
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: definition.KeySchema,
      AttributeDefinitions: Match.arrayWith(definition.AttributeDefinitions!.map((a) => Match.objectLike(a))),
      GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes!.map((g) => ({ IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection })),
      TimeToLiveSpecification: { AttributeName: STATE_TABLE.ttlAttribute, Enabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: arnOf(keyId) },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    })
    expect(STATE_TABLE.ttlAttribute).toBe('expiresAt')
    expect(STATE_TABLE.gaugeIndex).toBe('gauge-index')
  })

  it('may write only the table and dead-letter folders, call only the state table actions it uses, and log to its own group', () => {
    const [, fn] = consumer()
    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]
    const [bucketId] = only('AWS::S3::Bucket')
    const [tableId] = only('AWS::DynamoDB::Table')
    const statements = statementsOfRole(roleId)
    const all = statements.flatMap(actions)
    for (const a of all) expect(a).not.toMatch(/^[a-z0-9]+:\*$/)
    expect(all.filter((a) => a.startsWith('s3:')).sort()).toEqual(['s3:DeleteObject', 's3:PutObject'])
    const s3 = statements.find((s) => actions(s).includes('s3:PutObject'))!
    expect(s3.Resource).toEqual([...TABLE_NAMES, DEAD_LETTER_TABLE.folder].map((f) => ({ 'Fn::Join': ['', [arnOf(bucketId), `/${f}/*`]] })))
    expect(all.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual([...STATE_TABLE_ACTIONS].sort())
    const dynamo = statements.find((s) => actions(s).some((a) => a.startsWith('dynamodb:')))!
    expect(dynamo.Resource).toEqual([arnOf(tableId), { 'Fn::Join': ['', [arnOf(tableId), '/index/*']] }])
    const logs = statements.find((s) => actions(s).includes('logs:PutLogEvents'))!
    expect(actions(logs).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents'])
    expect(resources[(logs.Resource as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]]!.Type).toBe('AWS::Logs::LogGroup')
    // No managed policies (AWSLambdaBasicExecutionRole would allow every log group).
    expect(resources[roleId]!.Properties.ManagedPolicyArns).toBeUndefined()
  })

  it('allows every DynamoDB call and object-store operation the Lambda path makes (read from its sources)', () => {
    const dir = join(PROJECT_ROOT, 'consumers/lambda')
    const sources = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => readFileSync(join(dir, f), 'utf8'))
    const dynamoCalls = new Set(sources.flatMap((src) => [...src.matchAll(/new (\w+)Command\(/g)].map((m) => `dynamodb:${m[1]}`)))
    expect(dynamoCalls.size).toBeGreaterThan(0)
    for (const call of dynamoCalls) expect(STATE_TABLE_ACTIONS, call).toContain(call)
    const storeOps = new Set(sources.flatMap((src) => [...src.matchAll(/objectStore\.(\w+)\(/g)].map((m) => m[1]!)))
    const s3Action: Record<string, string> = { put: 's3:PutObject', delete: 's3:DeleteObject', get: 's3:GetObject', list: 's3:ListBucket' }
    const [, fn] = consumer()
    const allowed = statementsOfRole((fn.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]).flatMap(actions)
    expect(storeOps.size).toBeGreaterThan(0)
    for (const op of storeOps) expect(allowed, op).toContain(s3Action[op])
  })
})
