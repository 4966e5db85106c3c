-- Generated from core/tables.ts by queries/ddl/writeDdlFiles.ts; do not edit. Replace s3://your-bucket/batchmeter/ with your bucket and prefix.
CREATE EXTERNAL TABLE IF NOT EXISTS `batchmeter`.`dead_letters` (
  `reason` string COMMENT 'why the record could not be used',
  `field` string COMMENT 'the field at fault, or (json) / (record)',
  `shard` string COMMENT 'Kinesis shard id (or input file)',
  `sequence` string COMMENT 'Kinesis sequence number (or line number)',
  `sub_sequence` int COMMENT 'KPL sub-sequence number, or null',
  `received_at` timestamp COMMENT 'when the consumer read it (UTC)',
  `data_base64` string COMMENT 'the raw bytes, base64'
)
PARTITIONED BY (`dt` date)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'true')
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat' OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://your-bucket/batchmeter/dead-letter/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://your-bucket/batchmeter/dead-letter/dt=${dt}/',
  'batchmeter.table' = 'dead_letters'
);
