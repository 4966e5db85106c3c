import { basename } from 'node:path'
import { readNdjsonLines } from '../producers/ndjsonFile.js'
import { JobStateStore } from './pipeline/jobStateStore.js'
import { Pipeline, type PipelineCounters, type PipelineOutput } from './pipeline/processRecords.js'
import type { ObjectStore } from './sinks/objectStore.js'
import { planOutputFiles } from './sinks/planOutputFiles.js'

export interface IngestFileOptions {
  input: string
  store: ObjectStore
  prefix?: string
  /** Records per flush (one set of files each). Default 100_000. */
  batchRecords?: number
  now?: () => number
  onProgress?: (counters: Readonly<PipelineCounters>) => void
  /** After each flush's files are written, with what it wrote (metrics hang here). */
  onFlushed?: (output: PipelineOutput, counters: Readonly<PipelineCounters>) => void | Promise<void>
}

export interface IngestSummary extends PipelineCounters {
  eventsWritten: number
  filesWritten: number
}

/**
 * The file source: replays an NDJSON file of EventBridge events through the same
 * pipeline as the Kinesis consumer and writes the same layout to `store`.
 */
export async function ingestFile(options: IngestFileOptions): Promise<IngestSummary> {
  const { input, store, prefix = '', batchRecords = 100_000, now = Date.now, onProgress, onFlushed } = options
  const pipeline = new Pipeline({ store: new JobStateStore(), now })
  const source = basename(input).replace(/\.ndjson$|\.jsonl?$/, '')
  let filesWritten = 0
  let eventsWritten = 0
  let firstLine: number | undefined
  let pending = 0

  const flush = async (): Promise<void> => {
    if (firstLine === undefined) return
    const out = pipeline.drain()
    eventsWritten += out.jobEvents.length
    const fileId = `${source}-${String(firstLine).padStart(12, '0')}`
    for (const f of planOutputFiles(out, prefix, fileId)) {
      await store.put(f.key, f.body, f.contentType)
      filesWritten++
    }
    firstLine = undefined
    pending = 0
    await onFlushed?.(out, pipeline.counters)
    onProgress?.(pipeline.counters)
  }

  for await (const { line, data } of readNdjsonLines(input)) {
    firstLine ??= line
    pipeline.processRecord({ data, shardId: source, sequenceNumber: String(line) })
    if (++pending >= batchRecords) await flush()
  }
  await flush()
  return { ...pipeline.counters, eventsWritten, filesWritten }
}
