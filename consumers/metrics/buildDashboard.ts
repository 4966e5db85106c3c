import { type MetricsConfig, dimensionsOf } from './metricsConfig.js'
import { METRIC_SET, MetricName } from './metricSet.js'

/** A metric line in a widget: [{ expression, id, … }], or [namespace, name, dim, value, …, options]. */
export type WidgetMetric = (string | Record<string, unknown>)[]

export interface MetricWidget {
  type: 'metric'
  x: number
  y: number
  width: number
  height: number
  properties: {
    title: string
    region: string
    view: 'timeSeries' | 'singleValue'
    stacked: boolean
    period: number
    stat: string
    metrics: WidgetMetric[]
    yAxis?: { left?: { min?: number; label?: string; showUnits?: boolean } }
  }
}

export interface TextWidget {
  type: 'text'
  x: number
  y: number
  width: number
  height: number
  properties: { markdown: string }
}

export interface DashboardBody {
  widgets: (MetricWidget | TextWidget)[]
}

export interface BuildDashboardOptions {
  config: MetricsConfig
  region: string
  /** Heading of the text widget. Default 'batchmeter — AWS Batch usage'. */
  title?: string
}

const q = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`

/**
 * A SEARCH over every queue (or queue × reason): one line per value of the last
 * dimension, within the configured extra dimensions' values. No queue names are
 * needed, so the dashboard follows queues as they come and go.
 */
export function searchExpression(config: MetricsConfig, name: MetricName, dims: readonly string[], stat: string, period: number): string {
  const schema = [config.namespace, ...Object.keys(config.extraDimensions), ...dims].map(q).join(',')
  const fixed = Object.entries(config.extraDimensions).map(([k, v]) => ` ${q(k)}=${q(v)}`).join('')
  return `SEARCH('{${schema}} MetricName=${q(name)}${fixed}', '${stat}', ${period})`
}

const pipelineMetric = (config: MetricsConfig, name: MetricName, options: Record<string, unknown>): (string | Record<string, unknown>)[] => [
  config.namespace,
  name,
  ...Object.entries(dimensionsOf.pipeline(config)).flat(),
  options,
]

/**
 * The CloudWatch dashboard (the JSON `PutDashboard` takes as DashboardBody) over the
 * metric set: backlog, wait-time percentiles, success and failure, vCPU usage,
 * estimated cost, queue-blocked reasons and pipeline health. Gauges use the Sum
 * statistic (each worker publishes its own part once a minute) with gaps filled by
 * the last value, since workers publish only while they run.
 */
export function buildDashboard(options: BuildDashboardOptions): DashboardBody {
  const { config, region, title = 'batchmeter — AWS Batch usage' } = options
  const queue = [config.queueDimension]
  const s = (name: MetricName, stat: string, period: number, dims: readonly string[] = queue): string => searchExpression(config, name, dims, stat, period)
  const widget = (x: number, y: number, w: number, title: string, period: number, stat: string, metrics: WidgetMetric[], extra: Partial<MetricWidget['properties']> = {}): MetricWidget => ({
    type: 'metric',
    x,
    y,
    width: w,
    height: 6,
    properties: { title, region, view: 'timeSeries', stacked: false, period, stat, metrics, ...extra },
  })
  const expr = (expression: string, id: string, label?: string, visible?: boolean): WidgetMetric => [{ expression, id, ...(label === undefined ? {} : { label }), ...(visible === undefined ? {} : { visible }) }]

  return {
    widgets: [
      {
        type: 'text',
        x: 0,
        y: 0,
        width: 24,
        height: 2,
        properties: {
          markdown: `## ${title}\nNamespace \`${config.namespace}\`. Queue metrics are at the events' own times; gauges (RunnableJobs, RunningJobs) are each worker's part, added with **Sum**, gaps filled with the last value. ${METRIC_SET.EstimatedCost.doc}.`,
        },
      },
      widget(0, 2, 12, 'RUNNABLE backlog (jobs)', 60, 'Sum', [expr(`FILL(${s(MetricName.RunnableJobs, 'Sum', 60)}, REPEAT)`, 'runnable')], { stacked: true }),
      widget(12, 2, 12, 'RUNNING (jobs)', 60, 'Sum', [expr(`FILL(${s(MetricName.RunningJobs, 'Sum', 60)}, REPEAT)`, 'running')], { stacked: true }),
      widget(0, 8, 12, 'Wait time p50 / p90 / p99 (s)', 300, 'p90', [
        expr(s(MetricName.WaitTime, 'p50', 300), 'wait_p50', 'p50'),
        expr(s(MetricName.WaitTime, 'p90', 300), 'wait_p90', 'p90'),
        expr(s(MetricName.WaitTime, 'p99', 300), 'wait_p99', 'p99'),
      ]),
      widget(12, 8, 12, 'Run time p50 / p90 / p99 (s)', 300, 'p90', [
        expr(s(MetricName.RunTime, 'p50', 300), 'run_p50', 'p50'),
        expr(s(MetricName.RunTime, 'p90', 300), 'run_p90', 'p90'),
        expr(s(MetricName.RunTime, 'p99', 300), 'run_p99', 'p99'),
      ]),
      widget(0, 14, 12, 'Jobs succeeded / failed, and failure rate (%)', 300, 'Sum', [
        expr(s(MetricName.JobsSucceeded, 'Sum', 300), 'succeeded'),
        expr(s(MetricName.JobsFailed, 'Sum', 300), 'failed'),
        expr(`SUM(${s(MetricName.JobsSucceeded, 'Sum', 300)})`, 'all_succeeded', 'succeeded (all)', false),
        expr(`SUM(${s(MetricName.JobsFailed, 'Sum', 300)})`, 'all_failed', 'failed (all)', false),
        expr('100 * FILL(all_failed, 0) / (FILL(all_succeeded, 0) + FILL(all_failed, 0))', 'failure_rate', 'failure rate % (all queues)'),
      ]),
      widget(12, 14, 12, 'Submitted / started / retried attempts', 300, 'Sum', [
        expr(s(MetricName.JobsSubmitted, 'Sum', 300), 'submitted'),
        expr(s(MetricName.JobsStarted, 'Sum', 300), 'started'),
        expr(s(MetricName.RetriedAttempts, 'Sum', 300), 'retried'),
      ]),
      widget(0, 20, 12, 'vCPUs used (vCPU-seconds of ended jobs / period)', 300, 'Sum', [
        expr(s(MetricName.VcpuSeconds, 'Sum', 300), 'vcpu_s', undefined, false),
        expr('vcpu_s / PERIOD(vcpu_s)', 'vcpus', 'vCPUs'),
        expr(s(MetricName.GpuSeconds, 'Sum', 300), 'gpu_s', undefined, false),
        expr('gpu_s / PERIOD(gpu_s)', 'gpus', 'GPUs'),
        expr(s(MetricName.MemoryGiBSeconds, 'Sum', 300), 'mem_gib_s', undefined, false),
        expr('mem_gib_s / PERIOD(mem_gib_s)', 'mem_gib', 'memory GiB'),
      ]),
      widget(12, 20, 12, 'Estimated cost (USD per hour)', 3600, 'Sum', [
        expr(s(MetricName.EstimatedCost, 'Sum', 3600), 'cost'),
        expr(`SUM(${s(MetricName.EstimatedCost, 'Sum', 3600)})`, 'cost_total', 'all queues'),
      ], { stacked: false }),
      widget(0, 26, 12, 'Queue blocked, by reason', 300, 'Sum', [expr(s(MetricName.QueueBlocked, 'Sum', 300, [config.queueDimension, config.reasonDimension]), 'blocked')]),
      widget(12, 26, 12, 'Pipeline health', 60, 'Sum', [
        pipelineMetric(config, MetricName.RecordsIn, { stat: 'Sum', label: 'records in' }),
        pipelineMetric(config, MetricName.DuplicatesDropped, { stat: 'Sum', label: 'duplicates dropped' }),
        pipelineMetric(config, MetricName.DeadLetters, { stat: 'Sum', label: 'dead letters' }),
        pipelineMetric(config, MetricName.IteratorAgeMs, { stat: 'Maximum', label: 'iterator age (ms, max)', yAxis: 'right' }),
      ]),
    ],
  }
}
