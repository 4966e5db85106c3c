WITH rates AS (
  -- The price table, bound as one parameter: 'queue|rate_key|pricing_class|vcpu_hour|gib_hour|gpu_hour;…'
  -- (queue '' = the default for that rate key). See queries/prices/ratesParameter.ts.
  SELECT
    split_part(r, '|', 1) AS queue,
    split_part(r, '|', 2) AS rate_key,
    split_part(r, '|', 3) AS pricing_class,
    CAST(split_part(r, '|', 4) AS double) AS vcpu_hour,
    CAST(split_part(r, '|', 5) AS double) AS gib_hour,
    CAST(split_part(r, '|', 6) AS double) AS gpu_hour
  FROM UNNEST(split(?, ';')) AS t (r)
),
finished AS (
  SELECT
    j.*,
    CASE WHEN platform = 'FARGATE' THEN CASE WHEN cpu_architecture = 'ARM64' THEN 'FARGATE/ARM64' ELSE 'FARGATE/X86_64' END ELSE 'EC2' END AS rate_key
  FROM jobs_deduped j
  WHERE dt BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
    AND (? = '' OR contains(split(?, ','), job_queue))
    AND NOT coalesce(is_array_parent, false)
),
priced AS (
  SELECT
    f.*,
    CASE WHEN f.job_kind = 'service' THEN 'not-priced' ELSE coalesce(q.pricing_class, d.pricing_class) END AS pricing_class,
    (f.vcpu_seconds * coalesce(q.vcpu_hour, d.vcpu_hour)
      + f.memory_gib_seconds * coalesce(q.gib_hour, d.gib_hour)
      + f.gpu_seconds * coalesce(q.gpu_hour, d.gpu_hour)) / 3600.0 AS cost_usd
  FROM finished f
  LEFT JOIN rates q ON q.queue = f.job_queue AND q.rate_key = f.rate_key
  LEFT JOIN rates d ON d.queue = '' AND d.rate_key = f.rate_key
)
