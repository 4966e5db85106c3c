import type { Logger } from 'pino'
import { JobStateStore, type JobStateStoreOptions } from '../pipeline/jobStateStore.js'
import type { ObjectStore } from '../sinks/objectStore.js'
import type { OutputFile } from '../sinks/planOutputFiles.js'
import { type Checkpoint, CheckpointStore, type ShardPositions } from './checkpointStore.js'

/** The steps of a commit, in order; a crash between any two loses and duplicates nothing. */
export const CommitStep = {
  IntentWritten: 'intent-written',
  FileWritten: 'file-written',
  FilesWritten: 'files-written',
  SnapshotWritten: 'snapshot-written',
  CheckpointWritten: 'checkpoint-written',
} as const
export type CommitStep = (typeof CommitStep)[keyof typeof CommitStep]

export interface PreparedFlush {
  files: OutputFile[]
  /** Positions of every shard after this flush (earlier positions included). */
  positions: ShardPositions
  /** The job state as it was when the flush was drained (`JobStateStore.snapshot()`). */
  snapshot: Uint8Array
}

export interface Recovered {
  store: JobStateStore
  positions: ShardPositions
  flush: number
  /** Files of an unfinished flush that were removed. */
  removedFiles: number
}

export interface ExactlyOnceCommitterOptions {
  objectStore: ObjectStore
  prefix: string
  streamName: string
  storeOptions?: JobStateStoreOptions
  logger?: Pick<Logger, 'info' | 'warn'>
  /** Called after each step; tests kill the process here. */
  onStep?: (step: CommitStep, flush: number) => void
}

/**
 * Exactly-once effect on S3 from at-least-once input: record an intent (the files
 * about to be written) → write the files and the state snapshot → save the
 * checkpoint (the commit point). On start, an unfinished intent's files are removed
 * and reading resumes after the checkpoint, with the state of that moment.
 */
export class ExactlyOnceCommitter {
  private readonly checkpoints: CheckpointStore
  private flush = 0
  private snapshotKey: string | null = null

  constructor(private readonly options: ExactlyOnceCommitterOptions) {
    this.checkpoints = new CheckpointStore(options.objectStore, options.prefix, options.streamName)
  }

  async recover(): Promise<Recovered> {
    const { objectStore, storeOptions, logger } = this.options
    const checkpoint: Checkpoint | undefined = await this.checkpoints.readCheckpoint()
    const intent = await this.checkpoints.readIntent()
    this.flush = checkpoint?.flush ?? 0
    this.snapshotKey = checkpoint?.snapshotKey ?? null
    let removedFiles = 0
    if (intent && intent.flush > this.flush) {
      // The flush started but never committed: its files would duplicate what is replayed.
      for (const key of [...intent.files, intent.snapshotKey]) {
        await objectStore.delete(key)
        removedFiles++
      }
      logger?.warn({ flush: intent.flush, files: intent.files.length }, 'removed the files of an unfinished flush; resuming after the last checkpoint')
    }
    const store = checkpoint?.snapshotKey ? JobStateStore.restore(await this.checkpoints.readSnapshot(checkpoint.snapshotKey), storeOptions) : new JobStateStore(storeOptions)
    if (checkpoint) logger?.info({ flush: checkpoint.flush, shards: Object.keys(checkpoint.positions).length, jobs: store.size }, 'resuming from checkpoint')
    return { store, positions: checkpoint?.positions ?? {}, flush: this.flush, removedFiles }
  }

  async commit(prepared: PreparedFlush): Promise<void> {
    const { objectStore, onStep } = this.options
    const flush = this.flush + 1
    const snapshotKey = this.checkpoints.snapshotKey(flush)
    await this.checkpoints.writeIntent({ version: 1, flush, files: prepared.files.map((f) => f.key), snapshotKey })
    onStep?.(CommitStep.IntentWritten, flush)
    for (const f of prepared.files) {
      await objectStore.put(f.key, f.body, f.contentType)
      onStep?.(CommitStep.FileWritten, flush)
    }
    onStep?.(CommitStep.FilesWritten, flush)
    await this.checkpoints.writeSnapshot(snapshotKey, prepared.snapshot)
    onStep?.(CommitStep.SnapshotWritten, flush)
    await this.checkpoints.writeCheckpoint({ version: 1, flush, positions: prepared.positions, snapshotKey, savedAt: new Date().toISOString() })
    onStep?.(CommitStep.CheckpointWritten, flush)
    const previous = this.snapshotKey
    this.flush = flush
    this.snapshotKey = snapshotKey
    if (previous) await objectStore.delete(previous)
  }
}
