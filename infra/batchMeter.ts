/**
 * batchmeter as one construct: EventBridge rule → Kinesis stream → consumer Lambda →
 * Parquet on S3, with the state table, Glue/Athena, scheduled reports, dashboard and
 * alarms, and optionally the standalone consumer on ECS. Embed it in any CDK app:
 *
 *   new BatchMeter(stack, 'BatchMeter', { queues: ['prod-*'], reports: { schedule: 'weekly', email: 'me@example.com' } })
 */
import { Annotations, CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib'
import { type IKey, Key } from 'aws-cdk-lib/aws-kms'
import type { IBucket } from 'aws-cdk-lib/aws-s3'
import type { IStream } from 'aws-cdk-lib/aws-kinesis'
import { Construct } from 'constructs'
import { BatchmeterError, ErrorCode } from '../core/errors.js'
import { type MetricsConfig, resolveMetricsConfig } from '../consumers/metrics/metricsConfig.js'
import { namedQueues } from './batchEventPattern.js'
import { type BatchMeterProps, DEFAULTS } from './batchMeterProps.js'
import { Analytics } from './constructs/analytics.js'
import { BatchEventRule } from './constructs/batchEventRule.js'
import { DataBucket } from './constructs/dataBucket.js'
import { EventStream } from './constructs/eventStream.js'
import { KinesisConsumer } from './constructs/kinesisConsumer.js'
import { Monitoring } from './constructs/monitoring.js'
import { ScheduledReports } from './constructs/scheduledReports.js'
import { StandaloneConsumerService } from './constructs/standaloneConsumerService.js'
import { keyPrefix } from './keyPrefix.js'
import { acknowledge, wildcardAction } from './nag.js'

export class BatchMeter extends Construct {
  readonly encryptionKey: IKey
  readonly bucket: IBucket
  readonly stream: IStream
  readonly rule: BatchEventRule
  readonly consumer: KinesisConsumer | undefined
  readonly analytics: Analytics
  readonly reports: ScheduledReports | undefined
  readonly monitoring: Monitoring
  readonly standaloneConsumer: StandaloneConsumerService | undefined
  readonly metrics: MetricsConfig

  constructor(scope: Construct, id: string, props: BatchMeterProps = {}) {
    super(scope, id)
    const prefix = props.prefix ?? DEFAULTS.prefix
    keyPrefix(prefix) // rejects a bad prefix before anything is built
    const retention = props.retention ?? DEFAULTS.retention
    const namePrefix = props.namePrefix ?? DEFAULTS.namePrefix
    this.metrics = resolveMetricsConfig(props.metrics ?? {})

    // The key outlives the stack whenever the data does (it encrypts the bucket); it goes with the data otherwise.
    const dataGoesToo = props.bucket?.existing === undefined && (props.bucket?.destroyOnRemoval ?? DEFAULTS.bucket.destroyOnRemoval)
    this.encryptionKey =
      props.encryptionKey ??
      new Key(this, 'Key', {
        description: 'batchmeter: stream, bucket, queues, state table and topics',
        enableKeyRotation: true,
        removalPolicy: dataGoesToo ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
        ...(dataGoesToo ? { pendingWindow: Duration.days(7) } : {}),
      })
    // CDK's grants on the key (grantRead/grantWrite/grantEncryptDecrypt) use these two action families, always on that one key.
    const kmsFamilies = 'KMS action family from CDK\'s key grants, on the deployment\'s one key only (the statement\'s resource is that key\'s ARN).'
    acknowledge(this, wildcardAction('kms:GenerateDataKey*', kmsFamilies), wildcardAction('kms:ReEncrypt*', kmsFamilies))
    this.bucket = new DataBucket(this, 'Data', { ...props.bucket, prefix, encryptionKey: this.encryptionKey }).bucket
    this.stream = new EventStream(this, 'Events', { capacity: props.stream ?? DEFAULTS.stream, retention, encryptionKey: this.encryptionKey }).stream
    this.rule = new BatchEventRule(this, 'BatchEvents', { stream: this.stream, encryptionKey: this.encryptionKey, queues: props.queues, archiveRetention: props.archiveRetention })
    const lambdaConsumer = props.consumer?.enabled ?? true
    const standalone = props.standaloneConsumer?.enabled ?? false
    if (!lambdaConsumer && !standalone) throw new BatchmeterError(ErrorCode.Config, 'no consumer: enable the Lambda consumer (consumer.enabled) or the standalone one (standaloneConsumer.enabled)')
    if (lambdaConsumer && standalone) {
      Annotations.of(this).addWarningV2(
        'batchmeter:twoConsumers',
        'Both the Lambda and the standalone consumer read the stream: every row is written twice (the dedupe views hide it) and the metrics count twice. Set consumer.enabled=false (context lambdaConsumer=false) to keep one.',
      )
    }
    this.consumer = lambdaConsumer
      ? new KinesisConsumer(this, 'Consumer', { ...props.consumer, stream: this.stream, retention, bucket: this.bucket, prefix, encryptionKey: this.encryptionKey, metrics: this.metrics, ...(props.prices ? { prices: props.prices } : {}) })
      : undefined
    this.analytics = new Analytics(this, 'Analytics', {
      bucket: this.bucket,
      prefix,
      encryptionKey: this.encryptionKey,
      databaseName: props.databaseName ?? DEFAULTS.databaseName,
      workGroupName: props.workGroupName ?? DEFAULTS.workGroupName,
      bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery ?? DEFAULTS.bytesScannedCutoffPerQuery,
    })
    const schedule = props.reports?.schedule ?? DEFAULTS.reportSchedule
    this.reports =
      schedule === false
        ? undefined
        : new ScheduledReports(this, 'Reports', {
            ...props.reports,
            schedule,
            bucket: this.bucket,
            prefix,
            encryptionKey: this.encryptionKey,
            analytics: this.analytics,
            prices: props.prices,
          })
    this.monitoring = new Monitoring(this, 'Monitoring', {
      ...props.alarms,
      metrics: this.metrics,
      queues: namedQueues(props.queues ?? []),
      namePrefix,
      encryptionKey: this.encryptionKey,
      failureQueues: {
        'rule-dead-letters': this.rule.deadLetterQueue,
        ...(this.consumer ? { 'consumer-on-failure': this.consumer.onFailureQueue } : {}),
        ...(this.reports ? { 'reports-dead-letters': this.reports.deadLetterQueue } : {}),
      },
      consumerFunction: this.consumer?.fn.function,
      rule: this.rule.rule,
    })
    this.standaloneConsumer = standalone
      ? new StandaloneConsumerService(this, 'Standalone', { ...props.standaloneConsumer, stream: this.stream, bucket: this.bucket, prefix, encryptionKey: this.encryptionKey, metrics: this.metrics })
      : undefined

    new CfnOutput(this, 'BucketName', { value: this.bucket.bucketName, description: 'S3 bucket holding the tables, dead letters, Athena results and reports' })
    new CfnOutput(this, 'StreamName', { value: this.stream.streamName, description: 'Kinesis stream the AWS Batch events go to' })
    new CfnOutput(this, 'RuleArn', { value: this.rule.rule.ruleArn, description: 'EventBridge rule on the default bus: the FilterArns of a replay that backfills' })
    if (this.rule.archive) new CfnOutput(this, 'ArchiveArn', { value: this.rule.archive.archiveArn, description: 'EventBridge archive of the AWS Batch events: the event source of a replay' })
    new CfnOutput(this, 'WorkGroup', { value: this.analytics.workGroup.ref, description: 'Athena workgroup (enforced result location and scan cutoff)' })
    new CfnOutput(this, 'Database', { value: props.databaseName ?? DEFAULTS.databaseName, description: 'Glue database of the tables and views' })
  }
}
