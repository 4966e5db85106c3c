-- Generated from core/tables.ts by queries/ddl/writeDdlFiles.ts; do not edit. Replace s3://your-bucket/batchmeter/ with your bucket and prefix.
CREATE EXTERNAL TABLE IF NOT EXISTS `batchmeter`.`queue_minutes` (
  `minute` timestamp COMMENT 'minute (event time, UTC)',
  `job_queue` string COMMENT 'queue name',
  `to_submitted` int COMMENT 'transitions into SUBMITTED',
  `to_pending` int COMMENT 'transitions into PENDING',
  `to_runnable` int COMMENT 'transitions into RUNNABLE',
  `to_scheduled` int COMMENT 'transitions into SCHEDULED',
  `to_starting` int COMMENT 'transitions into STARTING',
  `to_running` int COMMENT 'transitions into RUNNING',
  `to_succeeded` int COMMENT 'transitions into SUCCEEDED',
  `to_failed` int COMMENT 'transitions into FAILED',
  `jobs_finished` int COMMENT 'jobs that reached SUCCEEDED or FAILED (array parents excluded)',
  `jobs_succeeded` int COMMENT 'jobs that succeeded',
  `jobs_failed` int COMMENT 'jobs that failed',
  `retried_attempts` int COMMENT 'attempts after the first (RUNNABLE again on retry)',
  `vcpu_seconds` double COMMENT 'vCPU-seconds of jobs finished in the minute',
  `memory_gib_seconds` double COMMENT 'GiB-seconds of jobs finished in the minute',
  `gpu_seconds` double COMMENT 'GPU-seconds of jobs finished in the minute',
  `wait_s_sum` double COMMENT 'wait time sum of jobs finished',
  `wait_s_count` int COMMENT 'jobs finished with a wait time',
  `wait_s_max` double COMMENT 'longest wait time',
  `run_s_sum` double COMMENT 'run time sum of jobs finished',
  `run_s_count` int COMMENT 'jobs finished with a run time',
  `run_s_max` double COMMENT 'longest run time',
  `runnable_delta` int COMMENT 'change of the RUNNABLE gauge in the minute; the gauge is the running sum',
  `running_delta` int COMMENT 'change of the RUNNING gauge in the minute; the gauge is the running sum',
  `blocked_events` int COMMENT 'queue-blocked events',
  `blocked_by_reason` map<string,int> COMMENT 'queue-blocked events by reason',
  `jobs_submitted` int COMMENT 'jobs seen for the first time (AWS emits no event at submission)'
)
PARTITIONED BY (`dt` date)
STORED AS PARQUET
LOCATION 's3://your-bucket/batchmeter/queue_minutes/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://your-bucket/batchmeter/queue_minutes/dt=${dt}/',
  'parquet.compression' = 'SNAPPY',
  'batchmeter.table' = 'queue_minutes'
);
