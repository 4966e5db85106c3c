-- @title Array jobs
-- @description One row per array job: children finished in the range, outcomes, resource hours and span. The parent row is bookkeeping and adds nothing.
-- @params from, to, queues, queues
SELECT
  array_parent_id,
  job_queue,
  coalesce(job_definition, '(service job)') AS job_definition,
  count(*) AS children,
  count_if(status = 'SUCCEEDED') AS succeeded,
  count_if(status = 'FAILED') AS failed,
  sum(vcpu_seconds) / 3600.0 AS vcpu_hours,
  sum(memory_gib_seconds) / 3600.0 AS memory_gib_hours,
  min(created_at) AS submitted_at,
  max(stopped_at) AS last_stopped_at,
  CAST(to_unixtime(max(stopped_at)) - to_unixtime(min(created_at)) AS double) AS span_s
FROM jobs_deduped
WHERE dt BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
  AND (? = '' OR contains(split(?, ','), job_queue))
  AND NOT coalesce(is_array_parent, false)
  AND array_parent_id IS NOT NULL
GROUP BY array_parent_id, job_queue, coalesce(job_definition, '(service job)')
ORDER BY vcpu_hours DESC NULLS LAST, array_parent_id
