import type { MetricDataQuery, PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch'
import { type MetricsConfig, dimensionsOf } from './metricsConfig.js'
import { MetricName } from './metricSet.js'

export interface AlarmThresholds {
  /** Minutes a queue may hold RUNNABLE jobs with no job starting. Default 30. */
  backlogMinutes?: number
  /** Failure rate (%) of ended jobs over 5 minutes. Default 20. */
  failureRatePercent?: number
  /** Ended jobs in 5 minutes below which the failure rate is not judged. Default 5. */
  failureRateMinJobs?: number
  /** Reader lag (ms) for 5 minutes in a row. Default 300_000 (5 min). */
  iteratorAgeMs?: number
  /** Dead letters in 5 minutes. Default 1 (any). */
  deadLetters?: number
}

export interface BuildAlarmsOptions {
  config: MetricsConfig
  /** Queue alarms need the queues by name (alarms cannot SEARCH). */
  queues: readonly string[]
  thresholds?: AlarmThresholds
  /** Prefix of every alarm name. Default 'batchmeter'. */
  namePrefix?: string
  /** SNS topics (or other actions) to notify. Default none. */
  alarmActions?: readonly string[]
}

const dims = (d: Record<string, string>) => Object.entries(d).map(([Name, Value]) => ({ Name, Value }))

function stat(id: string, config: MetricsConfig, name: MetricName, dimensions: Record<string, string>, period: number, statName: string): MetricDataQuery {
  return { Id: id, ReturnData: false, MetricStat: { Metric: { Namespace: config.namespace, MetricName: name, Dimensions: dims(dimensions) }, Period: period, Stat: statName } }
}

/**
 * Alarm definitions (PutMetricAlarm inputs) over the metric set:
 * - per queue, RUNNABLE backlog age: jobs RUNNABLE and none started for `backlogMinutes`
 *   in a row (a lower bound on the oldest RUNNABLE job's wait);
 * - per queue, failure rate of ended jobs;
 * - pipeline: iterator age (reader lag) and dead letters.
 */
export function buildAlarms(options: BuildAlarmsOptions): PutMetricAlarmCommandInput[] {
  const { config, queues, namePrefix = 'batchmeter', alarmActions = [] } = options
  const t = { backlogMinutes: 30, failureRatePercent: 20, failureRateMinJobs: 5, iteratorAgeMs: 300_000, deadLetters: 1, ...options.thresholds }
  const common = { ActionsEnabled: alarmActions.length > 0, AlarmActions: [...alarmActions], OKActions: [...alarmActions] }
  const alarms: PutMetricAlarmCommandInput[] = []
  for (const queue of queues) {
    const d = dimensionsOf.queue(config, queue)
    alarms.push({
      ...common,
      AlarmName: `${namePrefix}-${queue}-runnable-backlog`,
      AlarmDescription: `Queue ${queue} has had RUNNABLE jobs and no job starting for ${t.backlogMinutes} minutes: check its compute environments (capacity, max vCPUs) and the QueueBlocked reasons.`,
      Metrics: [
        stat('runnable', config, MetricName.RunnableJobs, d, 60, 'Sum'),
        stat('started', config, MetricName.JobsStarted, d, 60, 'Sum'),
        { Id: 'stuck', Expression: 'IF(FILL(runnable, REPEAT) > 0 AND FILL(started, 0) == 0, 1, 0)', Label: 'RUNNABLE with none starting', ReturnData: true },
      ],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: t.backlogMinutes,
      DatapointsToAlarm: t.backlogMinutes,
      TreatMissingData: 'notBreaching',
    })
    alarms.push({
      ...common,
      AlarmName: `${namePrefix}-${queue}-failure-rate`,
      AlarmDescription: `More than ${t.failureRatePercent}% of the jobs that ended in queue ${queue} failed (5-minute windows, at least ${t.failureRateMinJobs} jobs): see the jobs table's status_reason.`,
      Metrics: [
        stat('failed', config, MetricName.JobsFailed, d, 300, 'Sum'),
        stat('succeeded', config, MetricName.JobsSucceeded, d, 300, 'Sum'),
        {
          Id: 'rate',
          Expression: `IF(FILL(failed, 0) + FILL(succeeded, 0) >= ${t.failureRateMinJobs}, 100 * FILL(failed, 0) / (FILL(failed, 0) + FILL(succeeded, 0)), 0)`,
          Label: 'failure rate %',
          ReturnData: true,
        },
      ],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: t.failureRatePercent,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    })
  }
  const p = dimensionsOf.pipeline(config)
  alarms.push({
    ...common,
    AlarmName: `${namePrefix}-iterator-age`,
    AlarmDescription: `The consumer has been more than ${t.iteratorAgeMs} ms behind the stream for 5 minutes: add consumer capacity (Lambda parallelization factor, or a faster flush) or look for errors.`,
    Namespace: config.namespace,
    MetricName: MetricName.IteratorAgeMs,
    Dimensions: dims(p),
    Statistic: 'Maximum',
    Period: 60,
    EvaluationPeriods: 5,
    DatapointsToAlarm: 5,
    Threshold: t.iteratorAgeMs,
    ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'notBreaching',
  })
  alarms.push({
    ...common,
    AlarmName: `${namePrefix}-dead-letters`,
    AlarmDescription: 'Records failed to decode or validate and were written to dead-letter/ in the bucket: read their reason there.',
    Namespace: config.namespace,
    MetricName: MetricName.DeadLetters,
    Dimensions: dims(p),
    Statistic: 'Sum',
    Period: 300,
    EvaluationPeriods: 1,
    Threshold: t.deadLetters,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
  })
  return alarms
}
