/**
 * Scheduled reports: an EventBridge Scheduler schedule (daily, weekly or monthly, UTC)
 * invokes the report Lambda, which runs the canned reports on Athena in the workgroup,
 * writes them to `reports/` in the bucket and, when a topic is set, announces them.
 * The handler's contract (entry, environment, input) is in reportHandlerContract.ts.
 */
import { Duration, Stack, TimeZone } from 'aws-cdk-lib'
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam'
import type { IKey } from 'aws-cdk-lib/aws-kms'
import type { IBucket } from 'aws-cdk-lib/aws-s3'
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler'
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets'
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns'
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions'
import type { Queue } from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'
import type { PriceTable } from '../../core/priceTable.js'
import { TABLE_NAMES } from '../../core/tables.js'
import { DEAD_LETTER_TABLE } from '../../queries/ddl/deadLetterTable.js'
import { FOLDERS, type ReportOptions, ReportSchedule } from '../batchMeterProps.js'
import { keyPrefix } from '../keyPrefix.js'
import { acknowledge, wildcardResource } from '../nag.js'
import { BatchmeterFunction } from '../nodeFunction.js'
import { REPORT_HANDLER, reportEnvironment, reportInput } from '../reportHandlerContract.js'
import type { Analytics } from './analytics.js'
import { createDeadLetterQueue } from './deadLetterQueue.js'

/** When each schedule fires (UTC): after the day, week (Monday) or month (the 1st) it reports on has ended. */
export const SCHEDULE_CRON = {
  [ReportSchedule.Daily]: { minute: '15', hour: '6' },
  [ReportSchedule.Weekly]: { minute: '15', hour: '6', weekDay: 'MON' },
  [ReportSchedule.Monthly]: { minute: '15', hour: '6', day: '1' },
} as const

export interface ScheduledReportsProps extends Omit<ReportOptions, 'schedule'> {
  schedule: ReportSchedule
  bucket: IBucket
  prefix: string
  encryptionKey: IKey
  analytics: Analytics
  /** Default `DEFAULT_PRICES`. */
  prices?: PriceTable
}

export class ScheduledReports extends Construct {
  readonly fn: BatchmeterFunction
  readonly schedule: Schedule
  readonly deadLetterQueue: Queue
  readonly topic: ITopic | undefined

  constructor(scope: Construct, id: string, props: ScheduledReportsProps) {
    super(scope, id)
    const { bucket, analytics, encryptionKey } = props
    const stack = Stack.of(this)
    this.topic = props.topic ?? (props.email ? this.emailTopic(props.email, encryptionKey) : undefined)
    const kp = keyPrefix(props.prefix)

    this.fn = new BatchmeterFunction(this, 'Handler', {
      entry: REPORT_HANDLER.entry,
      handler: REPORT_HANDLER.export,
      description: `scheduled reports (${props.schedule}) on Athena`,
      environment: reportEnvironment({
        workGroup: analytics.workGroup.ref,
        database: analytics.database.ref,
        bucket: bucket.bucketName,
        prefix: props.prefix,
        topicArn: this.topic?.topicArn,
        reports: props.reports,
        prices: props.prices,
      }),
      memorySize: 512,
      timeout: Duration.minutes(15),
      copyFiles: REPORT_HANDLER.copyFiles,
    })
    const role = this.fn.role

    // Athena: run and read queries in this workgroup only.
    role.addToPolicy(
      new PolicyStatement({
        actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution', 'athena:GetWorkGroup'],
        resources: [stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: analytics.workGroup.ref })],
      }),
    )
    // Glue: read the database's tables and views (Athena checks these as the caller).
    const glueTables = stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${analytics.database.ref}/*` })
    role.addToPolicy(
      new PolicyStatement({
        actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions'],
        resources: [stack.formatArn({ service: 'glue', resource: 'catalog' }), stack.formatArn({ service: 'glue', resource: 'database', resourceName: analytics.database.ref }), glueTables],
      }),
    )
    // S3: Athena reads the tables as the caller and writes its results; the handler writes the reports.
    const folder = (f: string): string => bucket.arnForObjects(`${kp}${f}/*`)
    const readable = [...TABLE_NAMES, DEAD_LETTER_TABLE.folder, FOLDERS.athenaResults].map(folder)
    const writable = [FOLDERS.athenaResults, FOLDERS.reports].map(folder)
    role.addToPolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: readable }))
    role.addToPolicy(new PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], resources: writable }))
    role.addToPolicy(new PolicyStatement({ actions: ['s3:ListBucket', 's3:GetBucketLocation', 's3:ListBucketMultipartUploads'], resources: [bucket.bucketArn] }))
    acknowledge(
      role,
      wildcardResource(this, glueTables, 'The tables and views of batchmeter\'s own Glue database, which Athena reads as the caller.'),
      ...[...new Set([...readable, ...writable])].map((arn) =>
        wildcardResource(this, arn, 'One folder of batchmeter\'s bucket: table partitions (read), Athena result files or report files (written), whose names are made at run time.'),
      ),
    )
    bucket.encryptionKey?.grantEncryptDecrypt(role)
    encryptionKey.grantEncryptDecrypt(role)
    this.topic?.grantPublish(role)

    this.deadLetterQueue = createDeadLetterQueue(this, 'DeadLetters', encryptionKey)
    const schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: 'batchmeter: EventBridge Scheduler invoking the report function',
    })
    this.deadLetterQueue.grantSendMessages(schedulerRole)
    acknowledge(schedulerRole, wildcardResource(this, `${this.fn.function.functionArn}:*`, 'Versions and aliases of the report function itself, as the CDK scheduler target grants invoke.'))
    this.schedule = new Schedule(this, 'Schedule', {
      description: `batchmeter ${props.schedule} reports`,
      schedule: ScheduleExpression.cron({ ...SCHEDULE_CRON[props.schedule], timeZone: TimeZone.ETC_UTC }),
      target: new LambdaInvoke(this.fn.function, {
        role: schedulerRole,
        input: reportInput(props.schedule),
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 3,
        maxEventAge: Duration.hours(6),
      }),
    })
  }

  private emailTopic(email: string, key: IKey): Topic {
    const topic = new Topic(this, 'ReportTopic', { displayName: 'batchmeter reports', masterKey: key, enforceSSL: true })
    topic.addSubscription(new EmailSubscription(email))
    return topic
  }
}
