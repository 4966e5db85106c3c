-- @title Failures
-- @description Failed jobs by queue, job definition, reason and exit code, most frequent first; instance ids in reasons are masked so equal causes group together.
-- @params from, to, queues, queues
SELECT
  job_queue,
  coalesce(job_definition, '(service job)') AS job_definition,
  count(*) AS failed_jobs,
  count_if(attempts = 0) AS never_started,
  sum(vcpu_seconds) / 3600.0 AS vcpu_hours,
  exit_code,
  coalesce(regexp_replace(status_reason, 'i-[0-9a-f]{8,17}', 'i-…'), '(no reason)') AS reason
FROM jobs_deduped
WHERE dt BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
  AND (? = '' OR contains(split(?, ','), job_queue))
  AND NOT coalesce(is_array_parent, false)
  AND status = 'FAILED'
GROUP BY job_queue, coalesce(job_definition, '(service job)'), coalesce(regexp_replace(status_reason, 'i-[0-9a-f]{8,17}', 'i-…'), '(no reason)'), exit_code
ORDER BY failed_jobs DESC, job_queue, job_definition, reason, exit_code NULLS FIRST
