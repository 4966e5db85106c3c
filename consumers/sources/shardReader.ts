/** Reads one shard: where to start (checkpoint, retention gap, start position), then the rate-limited GetRecords loop with idle backoff. */
import { GetRecordsCommand, GetShardIteratorCommand, type GetShardIteratorCommandInput } from '@aws-sdk/client-kinesis'
import { BatchmeterError, ErrorCode } from '../../core/errors.js'
import { SHARD_END, type KinesisBatch, type KinesisSourceOptions, type KinesisSourceRecord, type RetentionGap, type StartPosition } from './kinesisSourceTypes.js'
import type { ShardEntry } from './shardDiscovery.js'
import type { SourceContext } from './sourceContext.js'

type Position = Pick<GetShardIteratorCommandInput, 'ShardIteratorType' | 'StartingSequenceNumber' | 'Timestamp'>

export interface ShardReaderOptions {
  context: SourceContext
  /** Every shard known, by id (a LATEST start looks at a shard's parents). */
  shards: ReadonlyMap<string, ShardEntry>
  startAt: StartPosition
  checkpoints: KinesisSourceOptions['checkpoints']
  onRetentionGap: (gap: RetentionGap) => void
  /** Called when a shard has ended, so its children can be started. */
  onShardEnded: () => void
  /** Called when a shard turns idle. */
  notifyConsumer: () => void
  /** Queues a batch for the consumer; resolves once the consumer has taken it (or on stop). */
  handOver: (batch: KinesisBatch) => Promise<void>
}

/** Reads the shard until it ends, expires or the source stops; marks it `ended` when it is done. */
export type ShardReader = (s: ShardEntry) => Promise<void>

const nameOf = (e: unknown): string | undefined => (e as { name?: string } | null)?.name

export function createShardReader(options: ShardReaderOptions): ShardReader {
  const { context, shards, startAt, checkpoints, onShardEnded, notifyConsumer, handOver } = options
  const { client, streamName, logger, clock, limits, signal, sleep, call } = context
  const minCallIntervalMs = 1000 / limits.maxGetRecordsPerSecond

  function endShard(s: ShardEntry, unread: boolean): void {
    s.state = 'ended'
    s.unread = unread
    s.idleSince = undefined
    onShardEnded() // its children can start now
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
        const out = await call('GetShardIterator', s.shardId, (callSignal) =>
          client.send(new GetShardIteratorCommand(input), { abortSignal: AbortSignal.any([callSignal, AbortSignal.timeout(limits.atTimestampTimeoutMs)]) }),
        )
        return out.ShardIterator
      } catch (error) {
        if (signal.aborted || (nameOf(error) !== 'AbortError' && nameOf(error) !== 'TimeoutError')) throw error
        logger.warn({ shardId: s.shardId }, `GetShardIterator AT_TIMESTAMP gave no answer in ${limits.atTimestampTimeoutMs} ms (kinesalite hangs when no record is that new); using LATEST`)
        return getIterator(s, { ShardIteratorType: 'LATEST' })
      }
    }
    const out = await call('GetShardIterator', s.shardId, (abortSignal) => client.send(new GetShardIteratorCommand(input), { abortSignal }))
    return out.ShardIterator
  }

  async function getIteratorOrEnd(s: ShardEntry, position: Position): Promise<string | undefined> {
    try {
      return await getIterator(s, position)
    } catch (error) {
      if (signal.aborted) return undefined
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

  /**
   * The oldest record still in the shard (TRIM_HORIZON, one record), or undefined when
   * it holds none. Kinesis may answer a few empty pages while it walks over trimmed space.
   */
  async function oldestRecord(s: ShardEntry): Promise<{ sequenceNumber: string; arrivalMs?: number } | undefined> {
    let iterator = await getIteratorOrEnd(s, { ShardIteratorType: 'TRIM_HORIZON' })
    for (let page = 0; page < 5 && iterator !== undefined && !signal.aborted; page++) {
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
    options.onRetentionGap(gap)
    return { ShardIteratorType: 'TRIM_HORIZON' }
  }

  return async function readShard(s: ShardEntry): Promise<void> {
    const position = await startPosition(s)
    if (position === 'read earlier' || position === 'skip') return endShard(s, position === 'skip')
    const start = await checkRetention(s, position)
    if (s.state === 'ended' || signal.aborted) return // the shard is gone (expired) or we are stopping
    // Where to resume if the iterator expires before a record was handed out; for LATEST, the time we started.
    const origin: Position = start.ShardIteratorType === 'LATEST' ? { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(clock.now()) } : start
    let iterator = await getIteratorOrEnd(s, start)
    let idleDelay = limits.idleDelayMs
    let lastCallAt = Number.NEGATIVE_INFINITY
    while (iterator !== undefined && !signal.aborted) {
      const wait = lastCallAt + minCallIntervalMs - clock.now()
      if (wait > 0) await sleep(wait)
      if (signal.aborted) return
      lastCallAt = clock.now()
      const current: string = iterator
      let out
      try {
        out = await call('GetRecords', s.shardId, (abortSignal) => client.send(new GetRecordsCommand({ ShardIterator: current, Limit: limits.limit }), { abortSignal }))
      } catch (error) {
        if (signal.aborted) return
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
      if (ended && !signal.aborted) endShard(s, false)
    }
  }
}

function toRecord(r: { Data?: Uint8Array; SequenceNumber?: string; PartitionKey?: string; ApproximateArrivalTimestamp?: Date }): KinesisSourceRecord {
  return {
    data: r.Data ?? new Uint8Array(0),
    sequenceNumber: r.SequenceNumber ?? '',
    partitionKey: r.PartitionKey ?? '',
    ...(r.ApproximateArrivalTimestamp === undefined ? {} : { approximateArrivalTimestamp: r.ApproximateArrivalTimestamp.getTime() }),
  }
}
