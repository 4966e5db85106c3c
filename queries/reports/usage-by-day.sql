-- @title Usage by day
-- @description Jobs finished and resource hours per day (UTC stop date) and queue.
-- @params from, to, queues, queues
SELECT
  dt AS day,
  job_queue,
  count(*) AS jobs,
  count_if(status = 'SUCCEEDED') AS succeeded,
  count_if(status = 'FAILED') AS failed,
  sum(vcpu_seconds) / 3600.0 AS vcpu_hours,
  sum(memory_gib_seconds) / 3600.0 AS memory_gib_hours,
  sum(gpu_seconds) / 3600.0 AS gpu_hours
FROM jobs_deduped
WHERE dt BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
  AND (? = '' OR contains(split(?, ','), job_queue))
  AND NOT coalesce(is_array_parent, false)
GROUP BY dt, job_queue
ORDER BY day, job_queue
