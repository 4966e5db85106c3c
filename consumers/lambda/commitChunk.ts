import { parseBatchEvent } from '../../producers/model/parseBatchEvent.js'
import { deaggregate } from '../decode/deaggregate.js'
import { type JobEntry, JobStateStore } from '../pipeline/jobStateStore.js'
import { Pipeline, type PipelineCounters, type PipelineOutput } from '../pipeline/processRecords.js'
import type { ObjectStore } from '../sinks/objectStore.js'
import { planOutputFiles } from '../sinks/planOutputFiles.js'
import type { DynamoStateStore, JobWrite } from './dynamoStateStore.js'
import type { LambdaKinesisRecord } from './kinesisEventRecords.js'
import { type ResolvedJob, type Retention, resolveStoredJob } from './stateTable.js'

/** The steps of a chunk commit, in order; tests end an invocation after one to play a crash. */
export const ChunkStep = {
  FilesWritten: 'files-written',
  StateWritten: 'state-written',
} as const
export type ChunkStep = (typeof ChunkStep)[keyof typeof ChunkStep]

export interface ChunkDeps {
  objectStore: ObjectStore
  state: Pick<DynamoStateStore, 'loadJobs' | 'saveJobs' | 'readChunkFiles' | 'writeChunkFiles'>
  prefix: string
  retention: Retention
  now: () => number
  /** Object writes in flight at once. Default 8. */
  fileConcurrency?: number
  step?: (step: ChunkStep, chunk: { shardId: string; firstSequence: string }) => Promise<void>
}

export interface ChunkResult {
  output: PipelineOutput
  counters: PipelineCounters
  /** Queues the chunk's events name. */
  queues: string[]
  files: number
  /** Jobs that an earlier attempt at these records had already written (retried or bisected batch). */
  replayedJobs: number
  jobsWritten: number
}

type Decoded = { record: LambdaKinesisRecord; ok: true; users: { data: Uint8Array; subSequenceNumber: number }[] } | { record: LambdaKinesisRecord; ok: false; reason: string }

const decoder = new TextDecoder()

/** Job id and queue of a user record, when it is an event the pipeline keeps state for. */
function jobOf(data: Uint8Array): { jobId: string; queue: string } | undefined {
  try {
    const parsed = parseBatchEvent(JSON.parse(decoder.decode(data)))
    return parsed.outcome === 'event' ? { jobId: parsed.event.jobId, queue: parsed.event.jobQueue } : undefined
  } catch {
    return undefined
  }
}

async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!)
  }))
}

const same = (a: JobEntry | undefined, b: JobEntry | undefined): boolean => JSON.stringify(a) === JSON.stringify(b)

/**
 * Commits one chunk of a shard's records, at-least-once safe:
 * 1. read the state of the chunk's jobs (an earlier attempt's writes are undone, see resolveStoredJob);
 * 2. run the same pipeline as the standalone consumer;
 * 3. files: remove what an earlier attempt starting at the same record wrote and this
 *    one will not, record this attempt's keys, write Parquet and dead letters under
 *    deterministic keys `<shardId>-<firstSequence>` (a retry overwrites them);
 * 4. then the job state, conditional on the versions read.
 * Files before state: a retry after a crash anywhere rebuilds the same rows.
 */
export async function commitChunk(records: readonly LambdaKinesisRecord[], deps: ChunkDeps): Promise<ChunkResult> {
  const first = records[0]
  if (!first) throw new RangeError('commitChunk needs at least one record')
  const { shardId, sequenceNumber: firstSequence } = first
  const { objectStore, state, prefix, retention, now, fileConcurrency = 8, step } = deps

  const decoded: Decoded[] = records.map((record) => {
    const r = deaggregate(record)
    return r.ok ? { record, ok: true, users: r.userRecords } : { record, ok: false, reason: r.reason }
  })
  const firstTouch = new Map<string, string>()
  const queues = new Set<string>()
  for (const d of decoded) {
    if (!d.ok) continue
    for (const u of d.users) {
      const job = jobOf(u.data)
      if (!job) continue
      queues.add(job.queue)
      if (!firstTouch.has(job.jobId)) firstTouch.set(job.jobId, d.record.sequenceNumber)
    }
  }

  const startedAt = now()
  const stored = await state.loadJobs([...firstTouch.keys()])
  const resolved = new Map<string, ResolvedJob>()
  const store = new JobStateStore(retention)
  let replayedJobs = 0
  for (const jobId of firstTouch.keys()) {
    const r = resolveStoredJob(stored.get(jobId), shardId, firstSequence, retention, startedAt)
    resolved.set(jobId, r)
    if (r.replayed) replayedJobs++
    if (r.entry) store.put(jobId, r.entry)
  }

  const pipeline = new Pipeline({ store, now })
  for (const d of decoded) {
    const base = { shardId, sequenceNumber: d.record.sequenceNumber }
    if (!d.ok) pipeline.rejectRecord({ ...base, data: d.record.data }, '(kpl)', d.reason)
    else for (const u of d.users) pipeline.processRecord({ ...base, subSequenceNumber: u.subSequenceNumber, data: u.data })
  }
  const output = pipeline.drain()

  const files = planOutputFiles(output, prefix, `${shardId}-${firstSequence}`)
  const keys = new Set(files.map((f) => f.key))
  const stale = (await state.readChunkFiles(shardId, firstSequence)).filter((k) => !keys.has(k))
  await forEachLimit(stale, fileConcurrency, (k) => objectStore.delete(k))
  await state.writeChunkFiles(shardId, firstSequence, [...keys], now())
  await forEachLimit(files, fileConcurrency, (f) => objectStore.put(f.key, f.body, f.contentType))
  await step?.(ChunkStep.FilesWritten, { shardId, firstSequence })

  const writes: JobWrite[] = []
  for (const [jobId, fromSequence] of firstTouch) {
    const before = resolved.get(jobId)!
    const after = store.get(jobId)
    if (!after || same(after, before.entry)) continue
    writes.push({ jobId, expectedVersion: before.version, job: { entry: after, before: before.entry, shard: shardId, fromSequence, version: (before.version ?? 0) + 1 } })
  }
  await state.saveJobs(writes, now())
  await step?.(ChunkStep.StateWritten, { shardId, firstSequence })

  return { output, counters: { ...pipeline.counters }, queues: [...queues], files: files.length, replayedJobs, jobsWritten: writes.length }
}
