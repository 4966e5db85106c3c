-- Generated from core/tables.ts by queries/ddl/writeDdlFiles.ts; do not edit. Replace s3://your-bucket/batchmeter/ with your bucket and prefix.
CREATE EXTERNAL TABLE IF NOT EXISTS `batchmeter`.`jobs` (
  `job_id` string COMMENT 'job id',
  `job_kind` string COMMENT '\'batch\' or \'service\'',
  `is_array_parent` boolean COMMENT 'array parent: zero usage, excluded from counts and sums',
  `job_name` string COMMENT 'job name',
  `job_queue` string COMMENT 'queue name',
  `job_definition` string COMMENT '`name:revision`',
  `status` string COMMENT '\'SUCCEEDED\' or \'FAILED\'',
  `status_reason` string COMMENT 'final status reason',
  `exit_code` int COMMENT 'exit code of the final attempt',
  `attempts` int COMMENT 'number of attempts',
  `platform` string COMMENT '\'EC2\', \'FARGATE\' or null',
  `cpu_architecture` string COMMENT '\'X86_64\', \'ARM64\' or null (Fargate runtime platform)',
  `vcpus` double COMMENT 'vCPUs',
  `memory_mib` double COMMENT 'memory, MiB',
  `gpus` double COMMENT 'GPUs',
  `created_at` timestamp COMMENT 'creation (submission) time',
  `started_at` timestamp COMMENT 'start of the final attempt',
  `stopped_at` timestamp COMMENT 'stop time',
  `wait_s` double COMMENT 'first attempt\'s start − created_at; null if it never started',
  `run_s` double COMMENT 'final attempt: stop − start',
  `billed_s` double COMMENT 'Σ over attempts of (stop − start)',
  `vcpu_seconds` double COMMENT 'vcpus × billed_s',
  `memory_gib_seconds` double COMMENT 'memory_mib / 1024 × billed_s',
  `gpu_seconds` double COMMENT 'gpus × billed_s',
  `array_parent_id` string COMMENT 'parent id of an array child',
  `array_index` int COMMENT 'index of an array child',
  `array_size` int COMMENT 'size of an array parent',
  `num_nodes` int COMMENT 'multi-node parallel job: node count',
  `share_identifier` string COMMENT 'fair-share identifier',
  `tags` map<string,string> COMMENT 'job tags',
  `account` string COMMENT 'AWS account id',
  `region` string COMMENT 'AWS region'
)
PARTITIONED BY (`dt` date)
STORED AS PARQUET
LOCATION 's3://your-bucket/batchmeter/jobs/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://your-bucket/batchmeter/jobs/dt=${dt}/',
  'parquet.compression' = 'SNAPPY',
  'batchmeter.table' = 'jobs'
);
