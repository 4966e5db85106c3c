import { gunzipSync, gzipSync } from 'node:zlib'
import { BatchmeterError, ErrorCode } from '../../core/errors.js'
import { type ObjectStore, safeSegment } from '../sinks/objectStore.js'

/** Shard id → last sequence number whose effects are in S3, or SHARD_END once a closed shard was read to its end. */
export type ShardPositions = Record<string, string>
export { SHARD_END } from '../sources/kinesisSource.js'

export interface Checkpoint {
  version: 1
  flush: number
  positions: ShardPositions
  snapshotKey: string | null
  savedAt: string
}

export interface Intent {
  version: 1
  flush: number
  files: string[]
  snapshotKey: string
}

/**
 * The standalone consumer's exactly-once bookkeeping, in the same bucket as the data:
 * `<prefix>_batchmeter/consumer/<stream>/{intent.json, checkpoint.json, state-<flush>.bin.gz}`.
 * The checkpoint object is the commit point: one PutObject, atomic in S3.
 */
export class CheckpointStore {
  private readonly base: string

  constructor(
    private readonly store: ObjectStore,
    prefix: string,
    streamName: string,
  ) {
    const p = prefix.replace(/^\/+|\/+$/g, '')
    // One safe key segment whatever the name ('..' and '' included); real stream names are unchanged.
    this.base = `${p ? `${p}/` : ''}_batchmeter/consumer/${safeSegment(streamName)}`
  }

  get intentKey(): string {
    return `${this.base}/intent.json`
  }

  get checkpointKey(): string {
    return `${this.base}/checkpoint.json`
  }

  snapshotKey(flush: number): string {
    return `${this.base}/state-${String(flush).padStart(10, '0')}.bin.gz`
  }

  async readCheckpoint(): Promise<Checkpoint | undefined> {
    return this.readJson<Checkpoint>(this.checkpointKey)
  }

  async readIntent(): Promise<Intent | undefined> {
    return this.readJson<Intent>(this.intentKey)
  }

  async writeIntent(intent: Intent): Promise<void> {
    await this.store.put(this.intentKey, encodeJson(intent), 'application/json')
  }

  async writeCheckpoint(checkpoint: Checkpoint): Promise<void> {
    await this.store.put(this.checkpointKey, encodeJson(checkpoint), 'application/json')
  }

  async writeSnapshot(key: string, snapshot: Uint8Array): Promise<void> {
    await this.store.put(key, gzipSync(snapshot, { level: 1 }), 'application/gzip')
  }

  async readSnapshot(key: string): Promise<Uint8Array> {
    const bytes = await this.store.get(key)
    if (!bytes) throw new BatchmeterError(ErrorCode.Checkpoint, `the checkpoint names state snapshot ${key}, which is missing; restore it or delete ${this.checkpointKey} to start over (duplicates may then be counted again)`)
    return new Uint8Array(gunzipSync(bytes))
  }

  async delete(key: string): Promise<void> {
    await this.store.delete(key)
  }

  private async readJson<T>(key: string): Promise<T | undefined> {
    const bytes = await this.store.get(key)
    if (!bytes) return undefined
    try {
      return JSON.parse(new TextDecoder().decode(bytes)) as T
    } catch (error) {
      throw new BatchmeterError(ErrorCode.Checkpoint, `${key} is not valid JSON (${(error as Error).message}); it was not written by batchmeter or was damaged`, { cause: error })
    }
  }
}

const encodeJson = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))
