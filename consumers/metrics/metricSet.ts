/**
 * The one definition of batchmeter's CloudWatch metrics: names, units, what each
 * one measures, how a dashboard reads it. Every publisher (EMF lines, PutMetricData)
 * and the dashboard and alarm generators are built from this table.
 */

/** CloudWatch units used here (a subset of the StandardUnit values). */
export const MetricUnit = { Count: 'Count', Seconds: 'Seconds', Milliseconds: 'Milliseconds', None: 'None' } as const
export type MetricUnit = (typeof MetricUnit)[keyof typeof MetricUnit]

export const MetricName = {
  JobsSubmitted: 'JobsSubmitted',
  JobsStarted: 'JobsStarted',
  JobsSucceeded: 'JobsSucceeded',
  JobsFailed: 'JobsFailed',
  RetriedAttempts: 'RetriedAttempts',
  RunnableJobs: 'RunnableJobs',
  RunningJobs: 'RunningJobs',
  QueueBlocked: 'QueueBlocked',
  WaitTime: 'WaitTime',
  RunTime: 'RunTime',
  VcpuSeconds: 'VcpuSeconds',
  MemoryGiBSeconds: 'MemoryGiBSeconds',
  GpuSeconds: 'GpuSeconds',
  EstimatedCost: 'EstimatedCost',
  RecordsIn: 'RecordsIn',
  DuplicatesDropped: 'DuplicatesDropped',
  DeadLetters: 'DeadLetters',
  IteratorAgeMs: 'IteratorAgeMs',
} as const
export type MetricName = (typeof MetricName)[keyof typeof MetricName]

/**
 * - `count`: a number of things or a sum in the minute (event time); read with Sum.
 * - `gauge`: a level; each worker publishes its own part once per minute, so Sum across workers is the level.
 * - `distribution`: one value per finished job (values/counts); read with percentiles.
 * - `health`: about the pipeline itself (processing time), per `Pipeline` dimension.
 */
export type MetricKind = 'count' | 'gauge' | 'distribution' | 'health'

/** Which dimension sets a metric is published with. */
export type MetricScope = 'queue' | 'queue+reason' | 'pipeline'

export interface MetricDefinition {
  name: MetricName
  unit: MetricUnit
  kind: MetricKind
  scope: MetricScope
  /** Also published per job definition when `byDefinition` is on. */
  perDefinition: boolean
  /** The statistic a dashboard and alarms read it with. */
  statistic: 'Sum' | 'Maximum'
  doc: string
}

const d = (name: MetricName, unit: MetricUnit, kind: MetricKind, scope: MetricScope, perDefinition: boolean, doc: string): MetricDefinition => ({
  name,
  unit,
  kind,
  scope,
  perDefinition,
  statistic: name === MetricName.IteratorAgeMs ? 'Maximum' : 'Sum',
  doc,
})

export const METRIC_SET: Readonly<Record<MetricName, MetricDefinition>> = {
  JobsSubmitted: d('JobsSubmitted', 'Count', 'count', 'queue', false, 'jobs seen for the first time (AWS sends no event at submission)'),
  JobsStarted: d('JobsStarted', 'Count', 'count', 'queue', false, 'attempts that reached RUNNING'),
  JobsSucceeded: d('JobsSucceeded', 'Count', 'count', 'queue', true, 'jobs that ended SUCCEEDED (array parents excluded)'),
  JobsFailed: d('JobsFailed', 'Count', 'count', 'queue', true, 'jobs that ended FAILED, cancelled ones included (array parents excluded)'),
  RetriedAttempts: d('RetriedAttempts', 'Count', 'count', 'queue', true, 'attempts after the first, of jobs that ended'),
  RunnableJobs: d('RunnableJobs', 'Count', 'gauge', 'queue', false, 'jobs RUNNABLE now (this worker\'s part; Sum across workers)'),
  RunningJobs: d('RunningJobs', 'Count', 'gauge', 'queue', false, 'jobs RUNNING now (this worker\'s part; Sum across workers)'),
  QueueBlocked: d('QueueBlocked', 'Count', 'count', 'queue+reason', false, 'queue-blocked events, in total and by reason code'),
  WaitTime: d('WaitTime', 'Seconds', 'distribution', 'queue', true, 'per ended job: first start − creation'),
  RunTime: d('RunTime', 'Seconds', 'distribution', 'queue', true, 'per ended job: stop − start of the final attempt'),
  VcpuSeconds: d('VcpuSeconds', 'Seconds', 'count', 'queue', true, 'vCPU-seconds of the jobs that ended (all attempts)'),
  MemoryGiBSeconds: d('MemoryGiBSeconds', 'None', 'count', 'queue', true, 'GiB-seconds of memory of the jobs that ended'),
  GpuSeconds: d('GpuSeconds', 'Seconds', 'count', 'queue', true, 'GPU-seconds of the jobs that ended'),
  EstimatedCost: d('EstimatedCost', 'None', 'count', 'queue', true, 'USD, usage × the price table (core/priceTable.ts)'),
  RecordsIn: d('RecordsIn', 'Count', 'health', 'pipeline', false, 'user records read (after KPL de-aggregation)'),
  DuplicatesDropped: d('DuplicatesDropped', 'Count', 'health', 'pipeline', false, 'records dropped as duplicates (same event id or same transition)'),
  DeadLetters: d('DeadLetters', 'Count', 'health', 'pipeline', false, 'records that did not decode or validate, written to dead-letter/'),
  IteratorAgeMs: d('IteratorAgeMs', 'Milliseconds', 'health', 'pipeline', false, 'how far behind the stream\'s tip the reader is (read with Maximum)'),
}

export const METRIC_NAMES: readonly MetricName[] = Object.keys(METRIC_SET) as MetricName[]

/** One metric's data at one timestamp under one dimension set: distinct values and how often each occurred. */
export interface MetricDatum {
  name: MetricName
  unit: MetricUnit
  /** Dimension name → value. */
  dimensions: Readonly<Record<string, string>>
  /**
   * Epoch ms. Queue metrics: the events' own minute. Gauges: the minute they were
   * counted (a replay's gauges: each replayed event minute). Pipeline health: processing time.
   */
  timestamp: number
  values: number[]
  /** Same length as `values`; each value's number of occurrences. */
  counts: number[]
}
