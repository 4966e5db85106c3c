-- Generated from core/tables.ts by queries/ddl/writeDdlFiles.ts; do not edit. Replace s3://your-bucket/batchmeter/ with your bucket and prefix.
CREATE OR REPLACE VIEW job_events_deduped AS
SELECT event_id, event_type, job_kind, event_time, job_id, job_name, status, attempt, job_queue, job_definition, status_reason, platform, vcpus, memory_mib, gpus, created_at, started_at, stopped_at, exit_code, is_array_parent, array_parent_id, array_index, array_size, num_nodes, share_identifier, account, region, is_late, source_shard, source_sequence, dt
FROM (
  SELECT *, row_number() OVER (PARTITION BY dt, event_id ORDER BY event_time DESC) AS dedupe_rank
  FROM job_events
) ranked
WHERE dedupe_rank = 1;
