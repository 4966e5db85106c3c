-- @title RUNNABLE backlog
-- @description Jobs waiting in RUNNABLE per queue and hour (peak and at the hour's last change), with transitions into RUNNABLE and queue-blocked events.
-- @params from, queues, queues, from, to, queues, queues
-- The gauge is the running sum of runnable_delta; the sum before the range (a scan of two
-- small columns of queue_minutes) gives its level at the start. queue_minutes rows add up
-- per flush and carry no flush id, so there is no dedupe view for them.
WITH before_range AS (
  SELECT job_queue, sum(runnable_delta) AS runnable
  FROM queue_minutes
  WHERE dt < CAST(? AS DATE)
    AND (? = '' OR contains(split(?, ','), job_queue))
  GROUP BY job_queue
),
per_minute AS (
  SELECT job_queue, minute, sum(runnable_delta) AS runnable_delta, sum(to_runnable) AS to_runnable, sum(blocked_events) AS blocked_events
  FROM queue_minutes
  WHERE dt BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
    AND (? = '' OR contains(split(?, ','), job_queue))
  GROUP BY job_queue, minute
),
gauge AS (
  SELECT
    m.job_queue,
    m.minute,
    m.to_runnable,
    m.blocked_events,
    coalesce(b.runnable, 0) + sum(m.runnable_delta) OVER (PARTITION BY m.job_queue ORDER BY m.minute ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS runnable
  FROM per_minute m
  LEFT JOIN before_range b ON b.job_queue = m.job_queue
)
SELECT
  date_trunc('hour', minute) AS hour,
  job_queue,
  max(runnable) AS peak_runnable,
  max_by(runnable, minute) AS runnable_at_end,
  sum(to_runnable) AS to_runnable,
  sum(blocked_events) AS blocked_events
FROM gauge
GROUP BY date_trunc('hour', minute), job_queue
ORDER BY hour, job_queue
