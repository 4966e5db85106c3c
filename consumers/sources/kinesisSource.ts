import { setMaxListeners } from 'node:events'
import { BatchmeterError, ErrorCode } from '../../core/errors.js'
import type { KinesisBatch, KinesisSource, KinesisSourceOptions, ShardStatus } from './kinesisSourceTypes.js'
import { createShardDiscovery, type ShardEntry } from './shardDiscovery.js'
import { createShardReader } from './shardReader.js'
import { createSourceContext } from './sourceContext.js'
import { resolveLimits } from './sourceLimits.js'

export { SHARD_END } from './kinesisSourceTypes.js'
export type { KinesisBatch, KinesisSource, KinesisSourceOptions, KinesisSourceRecord, RetentionGap, ShardStatus, StartPosition } from './kinesisSourceTypes.js'
export type { KinesisSourceLimits } from './sourceLimits.js'

interface Ready {
  batch: KinesisBatch
  pulled: () => void
}

const silentLogger = { info() {}, warn() {}, error() {}, debug() {} }

/**
 * Polls every shard of a stream (GetRecords), following reshards parent before child,
 * resuming after checkpoints, with back-pressure: a shard's next GetRecords waits
 * until the consumer has taken its previous batch.
 */
export function createKinesisSource(options: KinesisSourceOptions): KinesisSource {
  const { client, streamName, startAt, checkpoints, logger = silentLogger, clock = Date } = options
  const limits = resolveLimits(options.limits)
  const internal = new AbortController()
  const shards = new Map<string, ShardEntry>()
  const ready: Ready[] = []
  const tasks = new Set<Promise<void>>()
  let fatal: unknown
  let stopping: Promise<void> | undefined
  let started = false
  let wakeConsumer: (() => void) | undefined
  setMaxListeners(10_000, internal.signal) // every sleep and request of every shard listens for stop
  const context = createSourceContext({ client, streamName, logger, clock, limits, signal: internal.signal })
  const { sleep } = context

  const notifyConsumer = (): void => {
    wakeConsumer?.()
    wakeConsumer = undefined
  }
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

  /** Queues a batch for the consumer; resolves once the consumer has taken it (or on stop). */
  function handOver(batch: KinesisBatch): Promise<void> {
    return new Promise((pulled) => {
      if (internal.signal.aborted) return pulled()
      ready.push({ batch, pulled })
      notifyConsumer()
    })
  }

  const readShard = createShardReader({
    context,
    shards,
    startAt,
    checkpoints,
    onRetentionGap: (gap) => options.onRetentionGap?.(gap),
    onShardEnded: () => discovery.requestRelist(),
    notifyConsumer,
    handOver,
  })
  const discovery = createShardDiscovery({ context, shards, startShard: (s) => spawn(readShard(s)), notifyConsumer })

  // ---- the consumer's side ----------------------------------------------------
  function isIdle(idleMs: number): boolean {
    // Not idle while a shard's end may be about to reveal its children.
    if (!discovery.listedOnce() || !discovery.settled() || ready.length > 0) return false
    const now = clock.now()
    for (const s of shards.values()) {
      if (s.state === 'ended') continue
      if (s.state === 'waiting') {
        if (discovery.canStart(s)) return false
        continue
      }
      if (s.idleSince === undefined || now - s.idleSince < idleMs || (s.millisBehindLatest ?? 0) !== 0) return false
    }
    return true
  }

  async function* batches(): AsyncGenerator<KinesisBatch> {
    if (started) throw new BatchmeterError(ErrorCode.Usage, 'batches() of a Kinesis source can be iterated once; create a new source to read again')
    started = true
    if (!internal.signal.aborted) spawn(discovery.run())
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
