-- @title Estimated cost by queue
-- @description Estimated compute cost per queue and platform: usage × the price table (list prices unless overridden; not your bill).
-- @params prices, from, to, queues, queues
-- Service (SageMaker) jobs carry no vCPU or memory figures in their events: they cost 0 here (pricing class not-priced).
-- The priced finished jobs (CTEs rates, finished, priced), shared by the cost reports:
-- @include priced-jobs
SELECT
  job_queue,
  CASE WHEN job_kind = 'service' THEN 'SAGEMAKER' ELSE coalesce(platform, 'EC2') END AS platform,
  pricing_class,
  count(*) AS jobs,
  sum(vcpu_seconds) / 3600.0 AS vcpu_hours,
  sum(memory_gib_seconds) / 3600.0 AS memory_gib_hours,
  sum(gpu_seconds) / 3600.0 AS gpu_hours,
  sum(cost_usd) AS cost_usd
FROM priced
GROUP BY job_queue, CASE WHEN job_kind = 'service' THEN 'SAGEMAKER' ELSE coalesce(platform, 'EC2') END, pricing_class
ORDER BY cost_usd DESC NULLS LAST, job_queue, platform
