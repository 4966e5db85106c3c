/** Kinesis source limits: their defaults, and the check that rejects a bad one. */
import { BatchmeterError, ErrorCode } from '../../core/errors.js'

export interface KinesisSourceLimits {
  /** GetRecords calls per shard per second. Default 5 (the Kinesis per-shard limit). */
  maxGetRecordsPerSecond?: number
  /** First pause after an empty GetRecords; doubles up to `maxIdleDelayMs`. Default 200. */
  idleDelayMs?: number
  /** Longest pause between polls of an idle shard. Default 1,000. */
  maxIdleDelayMs?: number
  /** How often shards are re-listed to find reshards. Default 10,000 (and at once when a shard ends). */
  relistIntervalMs?: number
  /** Records per GetRecords. Default 10,000 (the Kinesis maximum). */
  limit?: number
  /** Retries of one throttled or failing call before the source fails. Default 10. */
  retries?: number
  /**
   * How long an AT_TIMESTAMP GetShardIterator may take before LATEST is used instead.
   * kinesalite never answers when no record is at or after the timestamp. Default 5,000.
   */
  atTimestampTimeoutMs?: number
}

/** Fills in the defaults and throws an `E_CONFIG` error naming the first bad limit. */
export function resolveLimits(l: KinesisSourceLimits = {}): Required<KinesisSourceLimits> {
  const limits = {
    maxGetRecordsPerSecond: l.maxGetRecordsPerSecond ?? 5,
    idleDelayMs: l.idleDelayMs ?? 200,
    maxIdleDelayMs: l.maxIdleDelayMs ?? 1000,
    relistIntervalMs: l.relistIntervalMs ?? 10_000,
    limit: l.limit ?? 10_000,
    retries: l.retries ?? 10,
    atTimestampTimeoutMs: l.atTimestampTimeoutMs ?? 5_000,
  }
  const bad = (name: string, value: number, range: string): never => {
    throw new BatchmeterError(ErrorCode.Config, `Kinesis source limit ${name} is ${value}; use ${range}`)
  }
  if (!(limits.maxGetRecordsPerSecond > 0)) bad('maxGetRecordsPerSecond', limits.maxGetRecordsPerSecond, 'a number above 0 (Kinesis allows 5 per shard)')
  if (!Number.isInteger(limits.limit) || limits.limit < 1 || limits.limit > 10_000) bad('limit', limits.limit, 'a whole number from 1 to 10000')
  if (!(limits.idleDelayMs >= 0) || !(limits.maxIdleDelayMs >= limits.idleDelayMs)) bad('idleDelayMs', limits.idleDelayMs, '0 or more, and maxIdleDelayMs at least as large')
  if (!(limits.relistIntervalMs >= 10)) bad('relistIntervalMs', limits.relistIntervalMs, '10 ms or more')
  if (!Number.isInteger(limits.retries) || limits.retries < 0) bad('retries', limits.retries, 'a whole number, 0 or more')
  return limits
}
