/**
 * The EventBridge rule on the default bus that sends every AWS Batch event to the
 * stream: the whole event JSON as the record (what the consumer decodes), partitioned
 * by job id so one job's events stay in order on one shard. Undeliverable events are
 * retried, then land in an encrypted SQS dead-letter queue.
 */
import { type Duration, Stack } from 'aws-cdk-lib'
import { Archive, EventBus, Rule } from 'aws-cdk-lib/aws-events'
import { KinesisStream } from 'aws-cdk-lib/aws-events-targets'
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam'
import type { IKey } from 'aws-cdk-lib/aws-kms'
import type { IStream } from 'aws-cdk-lib/aws-kinesis'
import type { Queue } from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'
import { batchEventPattern } from '../batchEventPattern.js'
import { DEFAULTS } from '../batchMeterProps.js'
import { createDeadLetterQueue } from './deadLetterQueue.js'

/** The record's partition key: the job id, present in all four detail-types. */
export const PARTITION_KEY_PATH = '$.detail.jobId'

export interface BatchEventRuleProps {
  stream: IStream
  encryptionKey: IKey
  /** Queue entries to narrow the pattern to (see batchEventPattern.ts). Default: all queues. */
  queues?: readonly string[]
  /** Delivery retries before an event goes to the dead-letter queue. Default 185 (EventBridge's maximum). */
  retryAttempts?: number
  /** Oldest event still retried. Default 24 hours (EventBridge's maximum). */
  maxEventAge?: Duration
  /** Also archive the matched events on the default bus for this long, to replay later (backfill). Default: no archive. */
  archiveRetention?: Duration
}

export class BatchEventRule extends Construct {
  readonly rule: Rule
  readonly deadLetterQueue: Queue
  readonly archive: Archive | undefined

  constructor(scope: Construct, id: string, props: BatchEventRuleProps) {
    super(scope, id)
    this.deadLetterQueue = createDeadLetterQueue(this, 'DeadLetterQueue', props.encryptionKey)
    const eventPattern = batchEventPattern(props.queues)
    this.rule = new Rule(this, 'Rule', { description: 'batchmeter: AWS Batch job and queue events to the Kinesis stream', eventPattern })
    this.archive = props.archiveRetention
      ? new Archive(this, 'Archive', {
          sourceEventBus: EventBus.fromEventBusName(this, 'DefaultBus', 'default'),
          eventPattern,
          retention: props.archiveRetention,
          description: 'batchmeter: AWS Batch events, for replay into the rule (backfill)',
        })
      : undefined
    this.rule.addTarget(
      new KinesisStream(props.stream, {
        partitionKeyPath: PARTITION_KEY_PATH,
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: props.retryAttempts ?? DEFAULTS.ruleRetryAttempts,
        maxEventAge: props.maxEventAge ?? DEFAULTS.ruleMaxEventAge,
      }),
    )
    // EventBridge writes to the dead-letter queue as itself, so it needs the queue's key: from this account
    // only (as CDK's own SQS target does; the rule's ARN cannot be named here: the key comes before the stream and the rule).
    props.encryptionKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'EventBridgeDeadLetters',
        principals: [new ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    )
  }
}
