-- @title Estimated cost by fair-share identifier
-- @description Estimated compute cost per fair-share identifier and queue; jobs without one are shown as (no share).
-- @params prices, from, to, queues, queues
-- The priced finished jobs (CTEs rates, finished, priced), shared by the cost reports:
-- @include priced-jobs
SELECT
  coalesce(share_identifier, '(no share)') AS share_identifier,
  job_queue,
  count(*) AS jobs,
  sum(vcpu_seconds) / 3600.0 AS vcpu_hours,
  sum(memory_gib_seconds) / 3600.0 AS memory_gib_hours,
  sum(gpu_seconds) / 3600.0 AS gpu_hours,
  sum(cost_usd) AS cost_usd
FROM priced
GROUP BY coalesce(share_identifier, '(no share)'), job_queue
ORDER BY cost_usd DESC NULLS LAST, share_identifier, job_queue
