-- Generated from core/tables.ts by queries/ddl/writeDdlFiles.ts; do not edit. Replace s3://your-bucket/batchmeter/ with your bucket and prefix.
CREATE EXTERNAL TABLE IF NOT EXISTS `batchmeter`.`job_events` (
  `event_id` string COMMENT 'EventBridge event id',
  `event_type` string COMMENT '\'state_change\' or \'queue_blocked\'',
  `job_kind` string COMMENT '\'batch\' or \'service\' (SageMaker service job)',
  `event_time` timestamp COMMENT 'envelope time (UTC, second precision)',
  `job_id` string COMMENT 'job id (array children `<parent>:<index>`)',
  `job_name` string COMMENT 'job name',
  `status` string COMMENT 'job status after this change',
  `attempt` int COMMENT 'number of attempts so far (entries in `attempts`)',
  `job_queue` string COMMENT 'queue name (last ARN segment)',
  `job_definition` string COMMENT '`name:revision`',
  `status_reason` string COMMENT 'status reason, or the blocked reason for queue_blocked',
  `platform` string COMMENT '\'EC2\', \'FARGATE\' or null',
  `vcpus` double COMMENT 'vCPUs requested (fractional on Fargate)',
  `memory_mib` double COMMENT 'memory requested, MiB',
  `gpus` double COMMENT 'GPUs requested',
  `created_at` timestamp COMMENT 'job creation time',
  `started_at` timestamp COMMENT 'start of the current attempt',
  `stopped_at` timestamp COMMENT 'stop time',
  `exit_code` int COMMENT 'container exit code',
  `is_array_parent` boolean COMMENT 'array parent (bookkeeping only)',
  `array_parent_id` string COMMENT 'parent job id of an array child',
  `array_index` int COMMENT 'index of an array child',
  `array_size` int COMMENT 'size of an array parent',
  `num_nodes` int COMMENT 'multi-node parallel job: node count',
  `share_identifier` string COMMENT 'fair-share identifier',
  `account` string COMMENT 'AWS account id',
  `region` string COMMENT 'AWS region',
  `is_late` boolean COMMENT 'arrived after the job had moved past this status (kept, never applied)',
  `source_shard` string COMMENT 'Kinesis shard id (or input file)',
  `source_sequence` string COMMENT 'Kinesis sequence number (or line number)'
)
PARTITIONED BY (`dt` date)
STORED AS PARQUET
LOCATION 's3://your-bucket/batchmeter/job_events/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://your-bucket/batchmeter/job_events/dt=${dt}/',
  'parquet.compression' = 'SNAPPY',
  'batchmeter.table' = 'job_events'
);
