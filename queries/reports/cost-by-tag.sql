-- @title Estimated cost by tag
-- @description Estimated compute cost per value of one job tag (default: team); untagged jobs are shown as (untagged).
-- @params prices, from, to, queues, queues, tag_key, tag_key
-- element_at(tags, key) is NULL for a missing key (Trino; mapped once for DuckDB in queries/trinoCompat.ts).
-- The priced finished jobs (CTEs rates, finished, priced), shared by the cost reports:
-- @include priced-jobs
SELECT
  ? AS tag_key,
  coalesce(element_at(tags, ?), '(untagged)') AS tag_value,
  count(*) AS jobs,
  sum(vcpu_seconds) / 3600.0 AS vcpu_hours,
  sum(memory_gib_seconds) / 3600.0 AS memory_gib_hours,
  sum(gpu_seconds) / 3600.0 AS gpu_hours,
  sum(cost_usd) AS cost_usd
FROM priced
GROUP BY 1, 2
ORDER BY cost_usd DESC NULLS LAST, tag_value
