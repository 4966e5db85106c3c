-- @title Wait time percentiles
-- @description Time from submission to the first start, per queue, for jobs that started (approximate percentiles on Athena, exact locally).
-- @params from, to, queues, queues
SELECT
  job_queue,
  count(wait_s) AS started_jobs,
  avg(wait_s) AS avg_wait_s,
  approx_percentile(wait_s, 0.5) AS p50_wait_s,
  approx_percentile(wait_s, 0.9) AS p90_wait_s,
  approx_percentile(wait_s, 0.99) AS p99_wait_s,
  max(wait_s) AS max_wait_s
FROM jobs_deduped
WHERE dt BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
  AND (? = '' OR contains(split(?, ','), job_queue))
  AND NOT coalesce(is_array_parent, false)
  AND wait_s IS NOT NULL
GROUP BY job_queue
ORDER BY p90_wait_s DESC, job_queue
