import type { Logger } from 'pino'
import { type ShardPositions, SHARD_END } from './checkpoint/checkpointStore.js'
import type { ExactlyOnceCommitter } from './checkpoint/exactlyOnceCommitter.js'
import { deaggregate, isKplAggregate } from './decode/deaggregate.js'
import type { JobStateStore } from './pipeline/jobStateStore.js'
import { Pipeline, type PipelineCounters, type PipelineOutput } from './pipeline/processRecords.js'
import { type OutputFile, planOutputFiles } from './sinks/planOutputFiles.js'
import type { KinesisBatch } from './sources/kinesisSource.js'

/** What the consumer needs of a source: ordered batches per shard, and a way to stop. */
export interface BatchSource {
  batches(): AsyncIterable<KinesisBatch>
  stop(): void | Promise<void>
}

export interface KinesisConsumerOptions {
  source: BatchSource
  committer: Pick<ExactlyOnceCommitter, 'commit'>
  /** The job state recovered from the checkpoint (or a new one). */
  store: JobStateStore
  /** Positions recovered from the checkpoint; kept for shards that see no new records. */
  positions?: ShardPositions
  prefix?: string
  /** Longest time between flushes. Default 60 s. */
  flushIntervalMs?: number
  /** Records that trigger a flush. Default 200_000. */
  flushRecords?: number
  now?: () => number
  logger?: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>
  /** Called after each batch, for progress lines. */
  onProgress?: (progress: ConsumerProgress) => void
  /**
   * Called after each committed flush with what it wrote (metrics publishers hang
   * here). Awaited before the next flush; an error is logged and never stops the consumer.
   */
  onCommitted?: (flush: CommittedFlush) => void | Promise<void>
}

/** What one committed flush wrote, for metrics. */
export interface CommittedFlush {
  outputs: PipelineOutput[]
  /** Totals since start, as of the drain. */
  counters: PipelineCounters
  millisBehindLatest: Record<string, number>
}

export interface ConsumerProgress {
  counters: PipelineCounters
  millisBehindLatest: Record<string, number>
  flushes: number
  filesWritten: number
  eventsWritten: number
  jobsInState: number
}

interface ShardBuffer {
  pipeline: Pipeline
  firstSequence: string | undefined
  lastSequence: string | undefined
  ended: boolean
}

const emptyCounters = (): PipelineCounters => ({ records: 0, stateChanges: 0, queueBlocked: 0, duplicates: 0, late: 0, skipped: 0, deadLetters: 0, jobsFinished: 0, clockSkewed: 0 })

/**
 * The standalone consumer loop: source batches → de-aggregate → pipeline (one per
 * shard, sharing the job state) → one exactly-once commit per flush: Parquet and
 * dead-letter files keyed `<shardId>-<firstSequence>`, the state snapshot, then the
 * checkpoint. Flushes run one at a time; a failed flush stops the consumer loudly.
 */
export async function runKinesisConsumer(options: KinesisConsumerOptions): Promise<ConsumerProgress> {
  const { source, committer, store, prefix = '', flushIntervalMs = 60_000, flushRecords = 200_000, now = Date.now, logger, onProgress, onCommitted } = options
  const shards = new Map<string, ShardBuffer>()
  const counters = emptyCounters()
  const positions: ShardPositions = { ...options.positions }
  const lag: Record<string, number> = {}
  let pendingRecords = 0
  let flushes = 0
  let filesWritten = 0
  let eventsWritten = 0
  let flushing: Promise<void> = Promise.resolve()
  let flushError: unknown

  const bufferOf = (shardId: string): ShardBuffer => {
    let b = shards.get(shardId)
    if (!b) shards.set(shardId, (b = { pipeline: new Pipeline({ store, now }), firstSequence: undefined, lastSequence: undefined, ended: false }))
    return b
  }

  const progress = (): ConsumerProgress => {
    const total = { ...counters }
    for (const s of shards.values()) for (const k of Object.keys(total) as (keyof PipelineCounters)[]) total[k] += s.pipeline.counters[k]
    return { counters: total, millisBehindLatest: { ...lag }, flushes, filesWritten, eventsWritten, jobsInState: store.size }
  }

  // Drain synchronously, so rows, positions and the state snapshot describe one moment;
  // encode and write in the background, one flush at a time.
  const flush = (): Promise<void> => {
    const drained: { fileId: string; out: ReturnType<Pipeline['drain']> }[] = []
    let changed = false
    // Expired state leaves here, so the snapshot below never carries it.
    shards.values().next().value?.pipeline.expireState(now())
    for (const [shardId, b] of shards) {
      if (b.lastSequence !== undefined && b.firstSequence !== undefined) {
        drained.push({ fileId: `${shardId}-${b.firstSequence}`, out: b.pipeline.drain() })
        positions[shardId] = b.lastSequence
        b.firstSequence = undefined
        changed = true
      }
      if (b.ended && positions[shardId] !== SHARD_END) {
        positions[shardId] = SHARD_END
        changed = true
      }
    }
    pendingRecords = 0
    if (!changed) return flushing
    const snapshot = store.snapshot()
    const committedPositions = { ...positions }
    const committed: CommittedFlush | undefined = onCommitted && {
      outputs: drained.map((d) => d.out),
      counters: progress().counters,
      millisBehindLatest: { ...lag },
    }
    flushing = flushing.then(async () => {
      if (flushError) return
      try {
        const files: OutputFile[] = []
        for (const { fileId, out } of drained) {
          eventsWritten += out.jobEvents.length
          files.push(...planOutputFiles(out, prefix, fileId))
        }
        await committer.commit({ files, positions: committedPositions, snapshot })
        flushes++
        filesWritten += files.length
        logger?.debug({ files: files.length, positions: committedPositions }, 'flush committed')
      } catch (error) {
        flushError = error
        logger?.error({ err: error }, 'flush failed; stopping the consumer (nothing is lost: it resumes from the last checkpoint)')
        await source.stop()
        return
      }
      if (committed) {
        try {
          await onCommitted?.(committed)
        } catch (error) {
          logger?.warn({ err: error }, 'publishing metrics for a committed flush failed; the data is safe, only these metric values are missing')
        }
      }
    })
    return flushing
  }

  const timer = setInterval(() => void flush(), flushIntervalMs)
  try {
    for await (const batch of source.batches()) {
      if (flushError) break
      if (batch.millisBehindLatest !== undefined) lag[batch.shardId] = batch.millisBehindLatest
      const b = bufferOf(batch.shardId)
      for (const record of batch.records) {
        if (!isKplAggregate(record.data)) {
          // The common case, kept free of de-aggregation's allocations.
          b.pipeline.processRecord({ shardId: batch.shardId, sequenceNumber: record.sequenceNumber, data: record.data })
        } else {
          const decoded = deaggregate({ ...record, shardId: batch.shardId })
          const base = { shardId: batch.shardId, sequenceNumber: record.sequenceNumber }
          if (!decoded.ok) b.pipeline.rejectRecord({ ...base, data: record.data }, '(kpl)', decoded.reason)
          else for (const u of decoded.userRecords) b.pipeline.processRecord({ ...base, subSequenceNumber: u.subSequenceNumber, data: u.data })
        }
        b.firstSequence ??= record.sequenceNumber
        b.lastSequence = record.sequenceNumber
        pendingRecords++
      }
      if (batch.shardEnded) b.ended = true
      if (pendingRecords >= flushRecords) await flush()
      onProgress?.(progress())
    }
  } finally {
    clearInterval(timer)
  }
  if (!flushError) await flush()
  await flushing
  if (flushError) throw flushError
  return progress()
}
