-- Generated from core/tables.ts by queries/ddl/writeDdlFiles.ts; do not edit. Replace s3://your-bucket/batchmeter/ with your bucket and prefix.
CREATE OR REPLACE VIEW jobs_deduped AS
SELECT job_id, job_kind, is_array_parent, job_name, job_queue, job_definition, status, status_reason, exit_code, attempts, platform, cpu_architecture, vcpus, memory_mib, gpus, created_at, started_at, stopped_at, wait_s, run_s, billed_s, vcpu_seconds, memory_gib_seconds, gpu_seconds, array_parent_id, array_index, array_size, num_nodes, share_identifier, tags, account, region, dt
FROM (
  SELECT *, row_number() OVER (PARTITION BY dt, job_id ORDER BY stopped_at DESC, attempts DESC) AS dedupe_rank
  FROM jobs
) ranked
WHERE dedupe_rank = 1;
