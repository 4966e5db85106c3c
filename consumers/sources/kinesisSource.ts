import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
  type Shard,
} from '@aws-sdk/client-kinesis'
import { setMaxListeners } from 'node:events'
import type { Logger } from 'pino'
import { BatchmeterError, ErrorCode } from '../../core/errors.js'
import { withRetry } from '../../core/retry.js'

export type StartPosition = 'TRIM_HORIZON' | 'LATEST' | { timestamp: Date }

/** A checkpoint value meaning "this closed shard was read to its end": it is not read again. */
export const SHARD_END = 'SHARD_END'

export interface KinesisSourceRecord {
  data: Uint8Array
  sequenceNumber: string
  partitionKey: string
  /** Epoch milliseconds. */
  approximateArrivalTimestamp?: number
}

export interface KinesisBatch {
  shardId: string
  records: KinesisSourceRecord[]
  millisBehindLatest?: number
  /** The shard is closed and this was its last batch (possibly empty): checkpoint SHARD_END. */
  shardEnded: boolean
}

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

/**
 * A shard resumed from a checkpoint whose record is no longer in the stream: records
 * written after the checkpoint and before `oldestAvailable` (if there were any) expired
 * past the stream's retention before they were read. Kinesis does not say how many.
 */
export interface RetentionGap {
  shardId: string
  /** The checkpointed sequence number (already processed). */
  checkpoint: string
  /** The oldest record still in the shard, where reading resumes. */
  oldestAvailable: string
  /** Its ApproximateArrivalTimestamp (epoch ms), when Kinesis gave one. */
  oldestArrivalMs?: number
}

export interface KinesisSourceOptions {
  client: Pick<KinesisClient, 'send'>
  streamName: string
  /** Where shards without a checkpoint start. Shards born after the source started always start at TRIM_HORIZON. */
  startAt: StartPosition
  /** Last processed sequence number per shard (or SHARD_END); reading resumes after it. */
  checkpoints: { get(shardId: string): Promise<string | undefined> }
  logger?: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>
  /** Time source for rate limits and idleness. Default `Date.now`. */
  clock?: { now(): number }
  /** Aborting it is the same as `stop()`. */
  signal?: AbortSignal
  limits?: KinesisSourceLimits
  /** End `batches()` once every open shard returned no records, 0 ms behind, for `idleMs`. */
  stopWhenIdle?: { idleMs: number }
  /** Called when a resumed shard's checkpoint is past retention (also logged as a warning and kept in `shardStatus()`). */
  onRetentionGap?: (gap: RetentionGap) => void
}

export interface ShardStatus {
  shardId: string
  state: 'waiting' | 'reading' | 'ended'
  parentShardIds: string[]
  /** Records and batches handed to the consumer. */
  records: number
  batches: number
  /** Last sequence number read from the shard. */
  lastSequenceNumber?: string
  millisBehindLatest?: number
  /** Since when (epoch ms) the shard has returned nothing, if it is idle. */
  idleSince?: number
  /** Set when records after the checkpoint may have expired before they were read. */
  retentionGap?: RetentionGap
}

export interface KinesisSource {
  /** Batches of every shard; one shard's in order, parents' before their children's. Call once. */
  batches(): AsyncIterable<KinesisBatch>
  /** Ends `batches()` after the batch being processed; resolves once every reader has stopped. Idempotent. */
  stop(): Promise<void>
  shardStatus(): ShardStatus[]
}

interface ShardEntry extends ShardStatus {
  listed: boolean
  closedAtStart: boolean
  bornLater: boolean
  /** Ended without its records being read, now or in an earlier run (expired, or closed under LATEST). */
  unread: boolean
}
type Position = Pick<GetShardIteratorCommandInput, 'ShardIteratorType' | 'StartingSequenceNumber' | 'Timestamp'>
interface Ready {
  batch: KinesisBatch
  pulled: () => void
}

const silentLogger = { info() {}, warn() {}, error() {}, debug() {} }
const nameOf = (e: unknown): string | undefined => (e as { name?: string } | null)?.name

/**
 * Polls every shard of a stream (GetRecords), following reshards parent before child,
 * resuming after checkpoints, with back-pressure: a shard's next GetRecords waits
 * until the consumer has taken its previous batch.
 */
export function createKinesisSource(options: KinesisSourceOptions): KinesisSource {
  const { client, streamName, startAt, checkpoints, logger = silentLogger, clock = Date } = options
  const limits = resolveLimits(options.limits)
  const minCallIntervalMs = 1000 / limits.maxGetRecordsPerSecond
  const internal = new AbortController()
  const shards = new Map<string, ShardEntry>()
  const ready: Ready[] = []
  const tasks = new Set<Promise<void>>()
  let fatal: unknown
  let stopping: Promise<void> | undefined
  let started = false
  let listedOnce = false
  let wakeConsumer: (() => void) | undefined
  let wakeLister: (() => void) | undefined
  let relistRequested = false
  setMaxListeners(10_000, internal.signal) // every sleep and request of every shard listens for stop

  const notifyConsumer = (): void => {
    wakeConsumer?.()
    wakeConsumer = undefined
  }
  const sleep = (ms: number, onWake?: (wake: () => void) => void): Promise<void> =>
    new Promise((resolve) => {
      if (internal.signal.aborted) return resolve()
      const done = (): void => {
        clearTimeout(timer)
        internal.signal.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      internal.signal.addEventListener('abort', done)
      onWake?.(done)
    })
  const spawn = (work: Promise<void>): void => {
    const task = work.catch((error: unknown) => {
      if (internal.signal.aborted) return
      fatal ??= error
      logger.error({ err: error }, 'Kinesis source failed; stopping every shard reader')
      void stop()
    })
    tasks.add(task)
    void task.finally(() => tasks.delete(task))
  }
  const call = <T>(what: string, shardId: string | undefined, send: (signal: AbortSignal) => Promise<T>): Promise<T> =>
    withRetry(() => send(internal.signal), {
      retries: limits.retries,
      signal: internal.signal,
      onRetry: (err, attempt) => logger.warn({ err, shardId, attempt }, `${what} throttled or failed; retrying with backoff`),
    })

  // ---- shard discovery -------------------------------------------------------
  async function listShards(): Promise<Shard[]> {
    const all: Shard[] = []
    let token: string | undefined
    do {
      const input = token === undefined ? { StreamName: streamName } : { NextToken: token }
      const page = await call('ListShards', undefined, (abortSignal) => client.send(new ListShardsCommand(input), { abortSignal }))
      all.push(...(page.Shards ?? []))
      token = page.NextToken
    } while (token !== undefined)
    return all
  }

  function reconcile(listing: Shard[]): void {
    const seen = new Set<string>()
    for (const s of listing) {
      if (!s.ShardId) continue
      seen.add(s.ShardId)
      if (shards.has(s.ShardId)) continue
      shards.set(s.ShardId, {
        shardId: s.ShardId,
        state: 'waiting',
        parentShardIds: [s.ParentShardId, s.AdjacentParentShardId].filter((p): p is string => !!p),
        records: 0,
        batches: 0,
        listed: true,
        closedAtStart: !listedOnce && s.SequenceNumberRange?.EndingSequenceNumber !== undefined,
        bornLater: listedOnce,
        unread: false,
      })
    }
    for (const s of shards.values()) {
      s.listed = seen.has(s.shardId)
      // Expired past retention before we got to it: nothing left to read.
      if (!s.listed && s.state === 'waiting') shards.delete(s.shardId)
    }
  }

  /** A shard may start once every parent was read to its end (and handed over) or has expired. */
  const canStart = (s: ShardEntry): boolean =>
    s.state === 'waiting' && s.parentShardIds.every((p) => { const parent = shards.get(p); return !parent?.listed || parent.state === 'ended' })

  async function listLoop(): Promise<void> {
    while (!internal.signal.aborted) {
      relistRequested = false
      let listing: Shard[]
      try {
        listing = await listShards()
      } catch (error) {
        if (internal.signal.aborted) return
        throw new BatchmeterError(ErrorCode.KinesisRead, `ListShards on stream "${streamName}" failed: ${(error as Error).message}; check the stream name, region and endpoint`, {
          cause: error,
          context: { streamName },
        })
      }
      reconcile(listing)
      listedOnce = true
      for (const s of shards.values()) {
        if (!canStart(s) || internal.signal.aborted) continue
        s.state = 'reading'
        spawn(readShard(s))
      }
      notifyConsumer()
      if (!relistRequested) await sleep(limits.relistIntervalMs, (wake) => (wakeLister = wake))
    }
  }

  // ---- one shard ---------------------------------------------------------------
  function endShard(s: ShardEntry, unread: boolean): void {
    s.state = 'ended'
    s.unread = unread
    s.idleSince = undefined
    relistRequested = true // its children can start now
    wakeLister?.()
  }

  async function startPosition(s: ShardEntry): Promise<Position | 'read earlier' | 'skip'> {
    let checkpoint: string | undefined
    try {
      checkpoint = await checkpoints.get(s.shardId)
    } catch (error) {
      throw new BatchmeterError(ErrorCode.Checkpoint, `reading the checkpoint of shard ${s.shardId} failed; check the checkpoint store`, { cause: error, context: { shardId: s.shardId } })
    }
    if (checkpoint === SHARD_END) return 'read earlier'
    if (checkpoint) return { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: checkpoint }
    if (s.bornLater) return { ShardIteratorType: 'TRIM_HORIZON' }
    if (startAt === 'TRIM_HORIZON') return { ShardIteratorType: 'TRIM_HORIZON' }
    if (startAt !== 'LATEST') return { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: startAt.timestamp }
    // LATEST: a child of a parent we read starts at its beginning; closed shards hold nothing new.
    if (s.parentShardIds.some((p) => shards.get(p)?.state === 'ended' && shards.get(p)?.unread === false)) return { ShardIteratorType: 'TRIM_HORIZON' }
    return s.closedAtStart ? 'skip' : { ShardIteratorType: 'LATEST' }
  }

  async function getIterator(s: ShardEntry, position: Position): Promise<string | undefined> {
    const input = { StreamName: streamName, ShardId: s.shardId, ...position }
    if (position.ShardIteratorType === 'AT_TIMESTAMP') {
      try {
        const out = await call('GetShardIterator', s.shardId, (signal) =>
          client.send(new GetShardIteratorCommand(input), { abortSignal: AbortSignal.any([signal, AbortSignal.timeout(limits.atTimestampTimeoutMs)]) }),
        )
        return out.ShardIterator
      } catch (error) {
        if (internal.signal.aborted || (nameOf(error) !== 'AbortError' && nameOf(error) !== 'TimeoutError')) throw error
        logger.warn({ shardId: s.shardId }, `GetShardIterator AT_TIMESTAMP gave no answer in ${limits.atTimestampTimeoutMs} ms (kinesalite hangs when no record is that new); using LATEST`)
        return getIterator(s, { ShardIteratorType: 'LATEST' })
      }
    }
    const out = await call('GetShardIterator', s.shardId, (abortSignal) => client.send(new GetShardIteratorCommand(input), { abortSignal }))
    return out.ShardIterator
  }

  /**
   * The oldest record still in the shard (TRIM_HORIZON, one record), or undefined when
   * it holds none. Kinesis may answer a few empty pages while it walks over trimmed space.
   */
  async function oldestRecord(s: ShardEntry): Promise<{ sequenceNumber: string; arrivalMs?: number } | undefined> {
    let iterator = await getIteratorOrEnd(s, { ShardIteratorType: 'TRIM_HORIZON' })
    for (let page = 0; page < 5 && iterator !== undefined && !internal.signal.aborted; page++) {
      const current: string = iterator
      const out = await call('GetRecords', s.shardId, (abortSignal) => client.send(new GetRecordsCommand({ ShardIterator: current, Limit: 1 }), { abortSignal }))
      const first = out.Records?.[0]
      if (first?.SequenceNumber) return { sequenceNumber: first.SequenceNumber, ...(first.ApproximateArrivalTimestamp ? { arrivalMs: first.ApproximateArrivalTimestamp.getTime() } : {}) }
      if (!out.NextShardIterator || (out.MillisBehindLatest ?? 0) === 0) return undefined
      iterator = out.NextShardIterator
    }
    return undefined
  }

  /**
   * Resuming after a checkpoint whose record has expired: Kinesis answers
   * AFTER_SEQUENCE_NUMBER for a trimmed position without an error (and then walks
   * empty pages to the trim horizon), so a gap would go unseen. Trimming goes in
   * sequence order, so the checkpointed record is still there exactly when the oldest
   * record is not newer than it; otherwise the gap is reported and reading starts at
   * the trim horizon, which is everything that is left.
   */
  async function checkRetention(s: ShardEntry, start: Position): Promise<Position> {
    const checkpoint = start.StartingSequenceNumber
    if (start.ShardIteratorType !== 'AFTER_SEQUENCE_NUMBER' || checkpoint === undefined) return start
    const oldest = await oldestRecord(s)
    if (oldest === undefined || BigInt(oldest.sequenceNumber) <= BigInt(checkpoint)) return start
    const gap: RetentionGap = { shardId: s.shardId, checkpoint, oldestAvailable: oldest.sequenceNumber, ...(oldest.arrivalMs === undefined ? {} : { oldestArrivalMs: oldest.arrivalMs }) }
    s.retentionGap = gap
    logger.warn(
      { code: ErrorCode.KinesisRead, ...gap },
      `shard ${s.shardId}: the checkpointed record has expired past the stream's retention; records written after it and before ${oldest.sequenceNumber} (if any) were never read. Resuming at the oldest record left; raise the stream's retention or restart the consumer sooner`,
    )
    options.onRetentionGap?.(gap)
    return { ShardIteratorType: 'TRIM_HORIZON' }
  }

  async function readShard(s: ShardEntry): Promise<void> {
    const position = await startPosition(s)
    if (position === 'read earlier' || position === 'skip') return endShard(s, position === 'skip')
    const start = await checkRetention(s, position)
    if (s.state === 'ended' || internal.signal.aborted) return // the shard is gone (expired) or we are stopping
    // Where to resume if the iterator expires before a record was handed out; for LATEST, the time we started.
    const origin: Position = start.ShardIteratorType === 'LATEST' ? { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(clock.now()) } : start
    let iterator = await getIteratorOrEnd(s, start)
    let idleDelay = limits.idleDelayMs
    let lastCallAt = Number.NEGATIVE_INFINITY
    while (iterator !== undefined && !internal.signal.aborted) {
      const wait = lastCallAt + minCallIntervalMs - clock.now()
      if (wait > 0) await sleep(wait)
      if (internal.signal.aborted) return
      lastCallAt = clock.now()
      const current: string = iterator
      let out
      try {
        out = await call('GetRecords', s.shardId, (abortSignal) => client.send(new GetRecordsCommand({ ShardIterator: current, Limit: limits.limit }), { abortSignal }))
      } catch (error) {
        if (internal.signal.aborted) return
        if (nameOf(error) === 'ExpiredIteratorException') {
          // Resume after the last record handed out, else where this shard started.
          const resume: Position = s.lastSequenceNumber ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: s.lastSequenceNumber } : origin
          logger.info({ shardId: s.shardId, resume }, 'shard iterator expired; getting a fresh one')
          iterator = await getIteratorOrEnd(s, resume)
          continue
        }
        if (nameOf(error) === 'ResourceNotFoundException') return expired(s, error)
        throw new BatchmeterError(ErrorCode.KinesisRead, `GetRecords on shard ${s.shardId} of stream "${streamName}" failed: ${(error as Error).message}; the consumer resumes from its checkpoint when restarted`, {
          cause: error,
          context: { streamName, shardId: s.shardId, lastSequenceNumber: s.lastSequenceNumber },
        })
      }
      const records = (out.Records ?? []).map(toRecord)
      const ended = !out.NextShardIterator
      iterator = out.NextShardIterator ?? undefined
      s.millisBehindLatest = out.MillisBehindLatest
      if (records.length === 0 && !ended) {
        if ((out.MillisBehindLatest ?? 0) === 0) {
          s.idleSince ??= clock.now()
          notifyConsumer()
          await sleep(idleDelay)
          idleDelay = Math.min(idleDelay * 2, limits.maxIdleDelayMs)
        }
        continue
      }
      idleDelay = limits.idleDelayMs
      s.idleSince = undefined
      const last = records[records.length - 1]
      if (last) s.lastSequenceNumber = last.sequenceNumber
      await handOver({ shardId: s.shardId, records, ...(out.MillisBehindLatest === undefined ? {} : { millisBehindLatest: out.MillisBehindLatest }), shardEnded: ended })
      if (ended && !internal.signal.aborted) endShard(s, false)
    }
  }

  async function getIteratorOrEnd(s: ShardEntry, position: Position): Promise<string | undefined> {
    try {
      return await getIterator(s, position)
    } catch (error) {
      if (internal.signal.aborted) return undefined
      if (nameOf(error) === 'ResourceNotFoundException') return void expired(s, error)
      throw new BatchmeterError(ErrorCode.KinesisRead, `GetShardIterator on shard ${s.shardId} of stream "${streamName}" failed: ${(error as Error).message}`, {
        cause: error,
        context: { streamName, shardId: s.shardId, position },
      })
    }
  }

  function expired(s: ShardEntry, error: unknown): void {
    logger.warn({ shardId: s.shardId, err: error }, 'shard no longer exists (expired past retention); treating it as ended')
    endShard(s, true)
  }

  /** Queues a batch for the consumer; resolves once the consumer has taken it (or on stop). */
  function handOver(batch: KinesisBatch): Promise<void> {
    return new Promise((pulled) => {
      if (internal.signal.aborted) return pulled()
      ready.push({ batch, pulled })
      notifyConsumer()
    })
  }

  // ---- the consumer's side ----------------------------------------------------
  function isIdle(idleMs: number): boolean {
    if (!listedOnce || ready.length > 0) return false
    const now = clock.now()
    for (const s of shards.values()) {
      if (s.state === 'ended') continue
      if (s.state === 'waiting') {
        if (canStart(s)) return false
        continue
      }
      if (s.idleSince === undefined || now - s.idleSince < idleMs || (s.millisBehindLatest ?? 0) !== 0) return false
    }
    return true
  }

  async function* batches(): AsyncGenerator<KinesisBatch> {
    if (started) throw new BatchmeterError(ErrorCode.Usage, 'batches() of a Kinesis source can be iterated once; create a new source to read again')
    started = true
    if (!internal.signal.aborted) spawn(listLoop())
    const pollMs = options.stopWhenIdle ? Math.max(10, Math.min(100, options.stopWhenIdle.idleMs / 4)) : 60_000
    try {
      for (;;) {
        if (fatal !== undefined) throw fatal
        if (internal.signal.aborted) return
        const next = ready.shift()
        if (next) {
          const s = shards.get(next.batch.shardId)
          if (s) {
            s.batches++
            s.records += next.batch.records.length
          }
          next.pulled()
          yield next.batch
          continue
        }
        if (options.stopWhenIdle && isIdle(options.stopWhenIdle.idleMs)) {
          logger.info({ streamName, idleMs: options.stopWhenIdle.idleMs }, 'every shard is caught up and idle; ending')
          return
        }
        await sleep(pollMs, (wake) => (wakeConsumer = wake))
      }
    } finally {
      await stop()
    }
  }

  function stop(): Promise<void> {
    stopping ??= (async () => {
      internal.abort()
      for (const r of ready.splice(0)) r.pulled()
      options.signal?.removeEventListener('abort', onAbort)
      while (tasks.size > 0) await Promise.allSettled([...tasks])
    })()
    return stopping
  }
  const onAbort = (): void => void stop()
  if (options.signal?.aborted) void stop()
  else options.signal?.addEventListener('abort', onAbort, { once: true })

  function shardStatus(): ShardStatus[] {
    return [...shards.values()]
      .map(({ listed: _l, closedAtStart: _c, bornLater: _b, unread: _u, ...status }) => ({ ...status, parentShardIds: [...status.parentShardIds], ...(status.retentionGap ? { retentionGap: { ...status.retentionGap } } : {}) }))
      .sort((a, b) => (a.shardId < b.shardId ? -1 : 1))
  }

  return { batches, stop, shardStatus }
}

function toRecord(r: { Data?: Uint8Array; SequenceNumber?: string; PartitionKey?: string; ApproximateArrivalTimestamp?: Date }): KinesisSourceRecord {
  return {
    data: r.Data ?? new Uint8Array(0),
    sequenceNumber: r.SequenceNumber ?? '',
    partitionKey: r.PartitionKey ?? '',
    ...(r.ApproximateArrivalTimestamp === undefined ? {} : { approximateArrivalTimestamp: r.ApproximateArrivalTimestamp.getTime() }),
  }
}

function resolveLimits(l: KinesisSourceLimits = {}): Required<KinesisSourceLimits> {
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
