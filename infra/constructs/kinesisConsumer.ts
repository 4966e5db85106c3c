import type { PriceTable } from '../../core/priceTable.js'
/**
 * The consumer Lambda (`consumers/lambda/handler.ts`) on the stream's event source
 * mapping, its DynamoDB state table and an SQS on-failure destination. Batch item
 * failures are reported by sequence number, a failing batch is bisected, retried a
 * bounded number of times, and its metadata goes to the queue. The function may write
 * only the table and dead-letter folders and use only the state table's actions the
 * handler calls.
 */
import { Duration } from 'aws-cdk-lib'
import { PolicyStatement } from 'aws-cdk-lib/aws-iam'
import type { IKey } from 'aws-cdk-lib/aws-kms'
import type { IStream } from 'aws-cdk-lib/aws-kinesis'
import { StartingPosition } from 'aws-cdk-lib/aws-lambda'
import { KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources'
import type { IBucket } from 'aws-cdk-lib/aws-s3'
import type { Queue } from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'
import { envVarOf } from '../../core/config.js'
import { BatchmeterError, ErrorCode } from '../../core/errors.js'
import { TABLE_NAMES } from '../../core/tables.js'
import { LAMBDA_ENV } from '../../consumers/lambda/lambdaConfig.js'
import type { MetricsConfig } from '../../consumers/metrics/metricsConfig.js'
import { DEAD_LETTER_TABLE } from '../../queries/ddl/deadLetterTable.js'
import { type ConsumerOptions, DEFAULTS } from '../batchMeterProps.js'
import { keyPrefix } from '../keyPrefix.js'
import { BatchmeterFunction } from '../nodeFunction.js'
import { acknowledge, wildcardResource } from '../nag.js'
import { createDeadLetterQueue } from './deadLetterQueue.js'
import { StateTable } from './stateTable.js'

/** The handler's entry, relative to the repository root. */
export const CONSUMER_ENTRY = 'consumers/lambda/handler.ts'

/** Loaded through `createRequire` by consumers/decode/deaggregate.ts (the KPL protobuf decoder): shipped beside the bundle. */
export const CONSUMER_RUNTIME_REQUIRES = ['aws-kinesis-agg/lib/common.js'] as const

/** The DynamoDB actions the handler calls (dynamoStateStore.ts, dynamoGauges.ts). */
export const STATE_TABLE_ACTIONS = ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'] as const

/** Kinesis keeps records at most 7 days in the event source mapping's eyes (`MaximumRecordAgeInSeconds`). */
const MAX_RECORD_AGE_S = 604_800

export interface KinesisConsumerProps extends ConsumerOptions {
  stream: IStream
  /** The stream's retention: the default record age limit. */
  retention: Duration
  bucket: IBucket
  prefix: string
  encryptionKey: IKey
  metrics: MetricsConfig
  /** Prices for the EstimatedCost metric. Default: list prices (`DEFAULT_PRICES`). */
  prices?: PriceTable
}

function check(name: string, value: number, min: number, max: number): number {
  if (!(Number.isInteger(value) && value >= min && value <= max)) throw new BatchmeterError(ErrorCode.Config, `consumer ${name} is ${value}; use a whole number from ${min} to ${max}`)
  return value
}

export class KinesisConsumer extends Construct {
  readonly fn: BatchmeterFunction
  readonly stateTable: StateTable
  readonly onFailureQueue: Queue
  readonly eventSource: KinesisEventSource

  constructor(scope: Construct, id: string, props: KinesisConsumerProps) {
    super(scope, id)
    const o = { ...DEFAULTS.consumer, ...props }
    this.stateTable = new StateTable(this, 'State', { encryptionKey: props.encryptionKey })
    const table = this.stateTable.table
    const environment: Record<string, string> = {
      [envVarOf('bucket')]: props.bucket.bucketName,
      [envVarOf('prefix')]: props.prefix,
      [envVarOf('retainAfterTerminalHours')]: String(o.retainAfterTerminalHours),
      [envVarOf('maxJobAgeDays')]: String(o.maxJobAgeDays),
      [envVarOf('logLevel')]: o.logLevel,
      [LAMBDA_ENV.stateTable]: table.tableName,
      [LAMBDA_ENV.namespace]: props.metrics.namespace,
      [LAMBDA_ENV.pipeline]: props.metrics.pipeline,
      [LAMBDA_ENV.byDefinition]: String(props.metrics.byDefinition),
      ...(props.prices ? { BATCHMETER_PRICES_JSON: JSON.stringify(props.prices) } : {}),
      ...(o.maxRecordsPerCommit === undefined ? {} : { [LAMBDA_ENV.maxRecordsPerCommit]: String(check('maxRecordsPerCommit', o.maxRecordsPerCommit, 1, 10_000)) }),
    }
    this.fn = new BatchmeterFunction(this, 'Handler', {
      entry: CONSUMER_ENTRY,
      description: 'Kinesis consumer: AWS Batch events to Parquet tables on S3 and EMF metrics',
      environment,
      memorySize: o.memorySize,
      timeout: o.timeout,
      runtimeRequires: CONSUMER_RUNTIME_REQUIRES,
    })
    const role = this.fn.role

    // Tables and dead letters, nothing else of the bucket: PutObject to write, DeleteObject to replace a retried chunk's files.
    const kp = keyPrefix(props.prefix)
    const objects = [...TABLE_NAMES, DEAD_LETTER_TABLE.folder].map((folder) => props.bucket.arnForObjects(`${kp}${folder}/*`))
    role.addToPolicy(new PolicyStatement({ actions: ['s3:PutObject', 's3:DeleteObject'], resources: objects }))
    props.bucket.encryptionKey?.grantEncryptDecrypt(role)
    table.grant(role, ...STATE_TABLE_ACTIONS)
    acknowledge(
      role,
      ...objects.map((arn) => wildcardResource(this, arn, 'One table (or dead-letter) folder of the bucket; file names carry the date, shard and sequence number, so they cannot be listed ahead.')),
      wildcardResource(this, `${table.tableArn}/index/*`, 'The state table\'s own indexes (the gauge index, queried for the RUNNABLE/RUNNING gauges); CDK grants name indexes this way.'),
    )
    // Kinesis records, the S3 objects, the state table and the on-failure queue are all under the deployment's key.
    props.encryptionKey.grantEncryptDecrypt(role)

    this.onFailureQueue = createDeadLetterQueue(this, 'OnFailure', props.encryptionKey)
    const maxRecordAge = o.maxRecordAge ?? Duration.seconds(Math.min(props.retention.toSeconds(), MAX_RECORD_AGE_S))
    this.eventSource = new KinesisEventSource(props.stream, {
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: check('batchSize', o.batchSize, 1, 10_000),
      maxBatchingWindow: o.maxBatchingWindow,
      parallelizationFactor: check('parallelizationFactor', o.parallelizationFactor, 1, 10),
      retryAttempts: check('maxRetries', o.maxRetries, 0, 10_000),
      maxRecordAge,
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      onFailure: new SqsDlq(this.onFailureQueue),
    })
    this.fn.function.addEventSource(this.eventSource)
  }
}
