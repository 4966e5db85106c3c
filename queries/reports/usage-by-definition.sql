-- @title Usage by job definition
-- @description Jobs, outcomes, resource hours and run times per queue and job definition, by job stop date.
-- @params from, to, queues, queues
-- Service (SageMaker) jobs have no job definition: shown as '(service job)'.
SELECT
  job_queue,
  coalesce(job_definition, '(service job)') AS job_definition,
  count(*) AS jobs,
  count_if(status = 'SUCCEEDED') AS succeeded,
  count_if(status = 'FAILED') AS failed,
  sum(vcpu_seconds) / 3600.0 AS vcpu_hours,
  sum(memory_gib_seconds) / 3600.0 AS memory_gib_hours,
  sum(gpu_seconds) / 3600.0 AS gpu_hours,
  avg(run_s) AS avg_run_s,
  sum(billed_s) / 3600.0 AS billed_hours
FROM jobs_deduped
WHERE dt BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
  AND (? = '' OR contains(split(?, ','), job_queue))
  AND NOT coalesce(is_array_parent, false)
GROUP BY job_queue, coalesce(job_definition, '(service job)')
ORDER BY vcpu_hours DESC NULLS LAST, job_queue, job_definition
