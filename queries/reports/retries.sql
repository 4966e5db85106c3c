-- @title Retries
-- @description Jobs that needed more than one attempt, per queue and job definition, and the vCPU-hours spent on attempts before the last one.
-- @params from, to, queues, queues
SELECT
  job_queue,
  coalesce(job_definition, '(service job)') AS job_definition,
  count(*) AS jobs,
  count_if(attempts > 1) AS retried_jobs,
  sum(CASE WHEN attempts > 1 THEN attempts - 1 ELSE 0 END) AS extra_attempts,
  count_if(attempts > 1 AND status = 'SUCCEEDED') AS retried_then_succeeded,
  count_if(attempts > 1 AND status = 'FAILED') AS retried_and_failed,
  sum(CASE WHEN attempts > 1 THEN coalesce(vcpus, 0) * (billed_s - coalesce(run_s, 0)) ELSE 0 END) / 3600.0 AS retried_vcpu_hours
FROM jobs_deduped
WHERE dt BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
  AND (? = '' OR contains(split(?, ','), job_queue))
  AND NOT coalesce(is_array_parent, false)
GROUP BY job_queue, coalesce(job_definition, '(service job)')
HAVING count_if(attempts > 1) > 0
ORDER BY extra_attempts DESC, job_queue, job_definition
