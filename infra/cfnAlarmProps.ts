/**
 * The generated alarm definitions (PutMetricAlarm inputs, consumers/metrics/buildAlarms.ts)
 * as CloudFormation alarm properties: the same fields, camel-cased, nothing decided here.
 */
import type { Dimension, MetricDataQuery, PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch'
import type { CfnAlarmProps } from 'aws-cdk-lib/aws-cloudwatch'
import type { CfnAlarm } from 'aws-cdk-lib/aws-cloudwatch'

const dimensions = (d: readonly Dimension[] | undefined): CfnAlarm.DimensionProperty[] | undefined => d?.map((x) => ({ name: x.Name!, value: x.Value! }))

function metricQuery(q: MetricDataQuery): CfnAlarm.MetricDataQueryProperty {
  const stat = q.MetricStat
  return {
    id: q.Id!,
    ...(q.Expression === undefined ? {} : { expression: q.Expression }),
    ...(q.Label === undefined ? {} : { label: q.Label }),
    ...(q.ReturnData === undefined ? {} : { returnData: q.ReturnData }),
    ...(q.Period === undefined ? {} : { period: q.Period }),
    ...(stat === undefined
      ? {}
      : {
          metricStat: {
            metric: { namespace: stat.Metric?.Namespace, metricName: stat.Metric?.MetricName, dimensions: dimensions(stat.Metric?.Dimensions) },
            period: stat.Period!,
            stat: stat.Stat!,
            ...(stat.Unit === undefined ? {} : { unit: stat.Unit }),
          },
        }),
  }
}

/** Undefined fields are left out, so the template carries only what the definition sets. */
export function cfnAlarmProps(input: PutMetricAlarmCommandInput): CfnAlarmProps {
  const props: Record<string, unknown> = {
    alarmName: input.AlarmName,
    alarmDescription: input.AlarmDescription,
    actionsEnabled: input.ActionsEnabled,
    alarmActions: input.AlarmActions?.length ? input.AlarmActions : undefined,
    okActions: input.OKActions?.length ? input.OKActions : undefined,
    insufficientDataActions: input.InsufficientDataActions?.length ? input.InsufficientDataActions : undefined,
    namespace: input.Namespace,
    metricName: input.MetricName,
    dimensions: dimensions(input.Dimensions),
    statistic: input.Statistic,
    extendedStatistic: input.ExtendedStatistic,
    period: input.Period,
    unit: input.Unit,
    evaluationPeriods: input.EvaluationPeriods,
    datapointsToAlarm: input.DatapointsToAlarm,
    threshold: input.Threshold,
    comparisonOperator: input.ComparisonOperator,
    treatMissingData: input.TreatMissingData,
    metrics: input.Metrics?.map(metricQuery),
  }
  return Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined)) as unknown as CfnAlarmProps
}
