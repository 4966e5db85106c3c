-- @title Usage by queue
-- @description Jobs finished, outcomes, resource hours and wait times per queue, by job stop date.
-- @params from, to, queues, queues
-- Array parents are bookkeeping (their children carry the resources): excluded.
-- Trino/Athena dialect; runs unchanged on the local DuckDB engine (see queries/trinoCompat.ts).
SELECT
  job_queue,
  count(*) AS jobs,
  count_if(status = 'SUCCEEDED') AS succeeded,
  count_if(status = 'FAILED') AS failed,
  sum(vcpu_seconds) / 3600.0 AS vcpu_hours,
  sum(memory_gib_seconds) / 3600.0 AS memory_gib_hours,
  sum(gpu_seconds) / 3600.0 AS gpu_hours,
  avg(wait_s) AS avg_wait_s,
  approx_percentile(wait_s, 0.9) AS p90_wait_s
FROM jobs_deduped
WHERE dt BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
  AND (? = '' OR contains(split(?, ','), job_queue))
  AND NOT coalesce(is_array_parent, false)
GROUP BY job_queue
ORDER BY vcpu_hours DESC NULLS LAST, job_queue
