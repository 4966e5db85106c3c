/**
 * The table schemas: one definition used by the Parquet writer, the local query
 * engine's views, the Athena DDL and the Glue tables. Columns are matched by name
 * (Athena/Glue), so add columns at the end and never rename or retype one.
 */

export type ColumnType = 'string' | 'timestamp' | 'double' | 'int' | 'boolean' | 'map<string,string>' | 'map<string,int>'

export interface Column {
  name: string
  type: ColumnType
  /** What the column holds, for the README and the DDL comments. */
  doc: string
}

export interface TableSpec {
  name: TableName
  /** Partition column, derived from `partitionFrom` (UTC date), not stored in the file. */
  partition: 'dt'
  /** The timestamp column whose UTC date is the partition. */
  partitionFrom: string
  /** Column(s) the defensive dedupe views key on. */
  key: readonly string[]
  columns: readonly Column[]
}

export const TABLE_NAMES = ['job_events', 'jobs', 'queue_minutes'] as const
export type TableName = (typeof TABLE_NAMES)[number]

const c = (name: string, type: ColumnType, doc: string): Column => ({ name, type, doc })

export const STATUSES_COLUMNS = ['submitted', 'pending', 'runnable', 'scheduled', 'starting', 'running', 'succeeded', 'failed'] as const

export const JOB_EVENTS: TableSpec = {
  name: 'job_events',
  partition: 'dt',
  partitionFrom: 'event_time',
  key: ['event_id'],
  columns: [
    c('event_id', 'string', 'EventBridge event id'),
    c('event_type', 'string', "'state_change' or 'queue_blocked'"),
    c('job_kind', 'string', "'batch' or 'service' (SageMaker service job)"),
    c('event_time', 'timestamp', 'envelope time (UTC, second precision)'),
    c('job_id', 'string', 'job id (array children `<parent>:<index>`)'),
    c('job_name', 'string', 'job name'),
    c('status', 'string', 'job status after this change'),
    c('attempt', 'int', 'number of attempts so far (entries in `attempts`)'),
    c('job_queue', 'string', 'queue name (last ARN segment)'),
    c('job_definition', 'string', '`name:revision`'),
    c('status_reason', 'string', 'status reason, or the blocked reason for queue_blocked'),
    c('platform', 'string', "'EC2', 'FARGATE' or null"),
    c('vcpus', 'double', 'vCPUs requested (fractional on Fargate)'),
    c('memory_mib', 'double', 'memory requested, MiB'),
    c('gpus', 'double', 'GPUs requested'),
    c('created_at', 'timestamp', 'job creation time'),
    c('started_at', 'timestamp', 'start of the current attempt'),
    c('stopped_at', 'timestamp', 'stop time'),
    c('exit_code', 'int', 'container exit code'),
    c('is_array_parent', 'boolean', 'array parent (bookkeeping only)'),
    c('array_parent_id', 'string', 'parent job id of an array child'),
    c('array_index', 'int', 'index of an array child'),
    c('array_size', 'int', 'size of an array parent'),
    c('num_nodes', 'int', 'multi-node parallel job: node count'),
    c('share_identifier', 'string', 'fair-share identifier'),
    c('account', 'string', 'AWS account id'),
    c('region', 'string', 'AWS region'),
    c('is_late', 'boolean', 'arrived after the job had moved past this status (kept, never applied)'),
    c('source_shard', 'string', 'Kinesis shard id (or input file)'),
    c('source_sequence', 'string', 'Kinesis sequence number (or line number)'),
  ],
}

export const JOBS: TableSpec = {
  name: 'jobs',
  partition: 'dt',
  partitionFrom: 'stopped_at',
  key: ['job_id'],
  columns: [
    c('job_id', 'string', 'job id'),
    c('job_kind', 'string', "'batch' or 'service'"),
    c('is_array_parent', 'boolean', 'array parent: zero usage, excluded from counts and sums'),
    c('job_name', 'string', 'job name'),
    c('job_queue', 'string', 'queue name'),
    c('job_definition', 'string', '`name:revision`'),
    c('status', 'string', "'SUCCEEDED' or 'FAILED'"),
    c('status_reason', 'string', 'final status reason'),
    c('exit_code', 'int', 'exit code of the final attempt'),
    c('attempts', 'int', 'number of attempts'),
    c('platform', 'string', "'EC2', 'FARGATE' or null"),
    c('cpu_architecture', 'string', "'X86_64', 'ARM64' or null (Fargate runtime platform)"),
    c('vcpus', 'double', 'vCPUs'),
    c('memory_mib', 'double', 'memory, MiB'),
    c('gpus', 'double', 'GPUs'),
    c('created_at', 'timestamp', 'creation (submission) time'),
    c('started_at', 'timestamp', 'start of the final attempt'),
    c('stopped_at', 'timestamp', 'stop time'),
    c('wait_s', 'double', "first attempt's start − created_at; null if it never started"),
    c('run_s', 'double', 'final attempt: stop − start'),
    c('billed_s', 'double', 'Σ over attempts of (stop − start)'),
    c('vcpu_seconds', 'double', 'vcpus × billed_s'),
    c('memory_gib_seconds', 'double', 'memory_mib / 1024 × billed_s'),
    c('gpu_seconds', 'double', 'gpus × billed_s'),
    c('array_parent_id', 'string', 'parent id of an array child'),
    c('array_index', 'int', 'index of an array child'),
    c('array_size', 'int', 'size of an array parent'),
    c('num_nodes', 'int', 'multi-node parallel job: node count'),
    c('share_identifier', 'string', 'fair-share identifier'),
    c('tags', 'map<string,string>', 'job tags'),
    c('account', 'string', 'AWS account id'),
    c('region', 'string', 'AWS region'),
  ],
}

export const QUEUE_MINUTES: TableSpec = {
  name: 'queue_minutes',
  partition: 'dt',
  partitionFrom: 'minute',
  key: ['minute', 'job_queue'],
  columns: [
    c('minute', 'timestamp', 'minute (event time, UTC)'),
    c('job_queue', 'string', 'queue name'),
    ...STATUSES_COLUMNS.map((s) => c(`to_${s}`, 'int', `transitions into ${s.toUpperCase()}`)),
    c('jobs_finished', 'int', 'jobs that reached SUCCEEDED or FAILED (array parents excluded)'),
    c('jobs_succeeded', 'int', 'jobs that succeeded'),
    c('jobs_failed', 'int', 'jobs that failed'),
    c('retried_attempts', 'int', 'attempts after the first (RUNNABLE again on retry)'),
    c('vcpu_seconds', 'double', 'vCPU-seconds of jobs finished in the minute'),
    c('memory_gib_seconds', 'double', 'GiB-seconds of jobs finished in the minute'),
    c('gpu_seconds', 'double', 'GPU-seconds of jobs finished in the minute'),
    c('wait_s_sum', 'double', 'wait time sum of jobs finished'),
    c('wait_s_count', 'int', 'jobs finished with a wait time'),
    c('wait_s_max', 'double', 'longest wait time'),
    c('run_s_sum', 'double', 'run time sum of jobs finished'),
    c('run_s_count', 'int', 'jobs finished with a run time'),
    c('run_s_max', 'double', 'longest run time'),
    c('runnable_delta', 'int', 'change of the RUNNABLE gauge in the minute; the gauge is the running sum'),
    c('running_delta', 'int', 'change of the RUNNING gauge in the minute; the gauge is the running sum'),
    c('blocked_events', 'int', 'queue-blocked events'),
    c('blocked_by_reason', 'map<string,int>', 'queue-blocked events by reason'),
    c('jobs_submitted', 'int', 'jobs seen for the first time (AWS emits no event at submission)'),
  ],
}

export const TABLES: Readonly<Record<TableName, TableSpec>> = { job_events: JOB_EVENTS, jobs: JOBS, queue_minutes: QUEUE_MINUTES }

/** A row as the pipeline builds it: keys are column names; timestamps are epoch milliseconds; maps are plain objects. */
export type CellValue = string | number | boolean | null | Readonly<Record<string, string | number>>
export type Row = Record<string, CellValue>
