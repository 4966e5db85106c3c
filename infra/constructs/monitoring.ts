/**
 * The CloudWatch dashboard and alarms generated from the metric set
 * (consumers/metrics: buildDashboard, buildAlarms), plus the alarms only the infra
 * knows about: messages in a dead-letter or on-failure queue, consumer errors,
 * undeliverable EventBridge events. Notifications go to an SNS topic when one is given
 * or an email address is.
 */
import { Duration, Stack } from 'aws-cdk-lib'
import { Alarm, CfnAlarm, CfnDashboard, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch'
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions'
import type { Rule } from 'aws-cdk-lib/aws-events'
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam'
import type { IKey } from 'aws-cdk-lib/aws-kms'
import type { IFunction } from 'aws-cdk-lib/aws-lambda'
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns'
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions'
import type { IQueue } from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'
import { buildAlarms } from '../../consumers/metrics/buildAlarms.js'
import { buildDashboard } from '../../consumers/metrics/buildDashboard.js'
import type { MetricsConfig } from '../../consumers/metrics/metricsConfig.js'
import type { AlarmOptions } from '../batchMeterProps.js'
import { cfnAlarmProps } from '../cfnAlarmProps.js'

export interface MonitoringProps extends AlarmOptions {
  metrics: MetricsConfig
  /** Queue names with alarms of their own. */
  queues: readonly string[]
  namePrefix: string
  encryptionKey: IKey
  /** Queues whose messages are failures to look at, by a short label. */
  failureQueues: Readonly<Record<string, IQueue>>
  consumerFunction?: IFunction
  rule: Rule
}

export class Monitoring extends Construct {
  readonly dashboard: CfnDashboard
  readonly generatedAlarms: CfnAlarm[]
  readonly topic: ITopic | undefined

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id)
    const stack = Stack.of(this)
    this.topic = props.topic ?? (props.email ? this.emailTopic(props.email, props.encryptionKey) : undefined)
    const actions = this.topic ? [this.topic.topicArn] : []

    this.dashboard = new CfnDashboard(this, 'Dashboard', {
      dashboardName: `${props.namePrefix}-${stack.region}`,
      dashboardBody: stack.toJsonString(buildDashboard({ config: props.metrics, region: stack.region })),
    })
    this.generatedAlarms = buildAlarms({ config: props.metrics, queues: props.queues, thresholds: props.thresholds, namePrefix: props.namePrefix, alarmActions: actions }).map(
      (input) => new CfnAlarm(this, `Alarm-${input.AlarmName}`, cfnAlarmProps(input)),
    )

    const notify = (alarm: Alarm): void => {
      if (this.topic) {
        alarm.addAlarmAction(new SnsAction(this.topic))
        alarm.addOkAction(new SnsAction(this.topic))
      }
    }
    for (const [label, queue] of Object.entries(props.failureQueues)) {
      notify(
        new Alarm(this, `Alarm-${label}`, {
          alarmName: `${props.namePrefix}-${label}-not-empty`,
          alarmDescription: `The ${label} queue holds messages: read them, fix the cause, then replay (README: Deploying).`,
          metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      )
    }
    if (props.consumerFunction) {
      notify(
        new Alarm(this, 'Alarm-consumer-errors', {
          alarmName: `${props.namePrefix}-consumer-errors`,
          alarmDescription: 'The consumer Lambda failed invocations (crashes or timeouts, not reported batch item failures): see its log group.',
          metric: props.consumerFunction.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
          threshold: 1,
          evaluationPeriods: 3,
          datapointsToAlarm: 2,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      )
    }
    notify(
      new Alarm(this, 'Alarm-rule-failed-invocations', {
        alarmName: `${props.namePrefix}-rule-failed-invocations`,
        alarmDescription: 'EventBridge could not put AWS Batch events on the stream (throttling or permissions); they are retried, then dead-lettered.',
        metric: new Metric({ namespace: 'AWS/Events', metricName: 'FailedInvocations', dimensionsMap: { RuleName: props.rule.ruleName }, period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    )
  }

  private emailTopic(email: string, key: IKey): Topic {
    const topic = new Topic(this, 'AlarmTopic', { displayName: 'batchmeter alarms', masterKey: key, enforceSSL: true })
    topic.addSubscription(new EmailSubscription(email))
    // CloudWatch publishes alarm notifications as itself: it needs the topic's key.
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmNotifications',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    )
    return topic
  }
}
