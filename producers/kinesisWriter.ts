import { packBatches } from '../core/packBatches.js'
import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis'
import { BatchmeterError, ErrorCode, isBatchmeterError } from '../core/errors.js'
import { isRetriable, withRetry } from '../core/retry.js'

export interface KinesisRecordToPut {
  partitionKey: string
  data: Uint8Array
  /** Route by this hash key instead of the partition key's MD5. */
  explicitHashKey?: string
}

export interface PutRecordsOptions {
  signal?: AbortSignal
  /** Called after every call with the records written so far. */
  onProgress?: (sent: number) => void
  /** Retries of one batch (whole-call errors and failed entries alike). Default 8. */
  retries?: number
  /** First backoff delay in ms. Default 100. */
  minDelayMs?: number
  /** Backoff cap in ms. Default 5,000. */
  maxDelayMs?: number
}

export interface PutRecordsResult {
  /** Records written. */
  sent: number
  /** Entry resends after partial failures or failed calls. */
  retried: number
  /** PutRecords calls made. */
  calls: number
}

/** Kinesis limits: per record (data + partition key), per call, and records per call. */
export const PUT_RECORDS_LIMITS = { maxRecordBytes: 1024 * 1024, maxCallBytes: 5 * 1024 * 1024, maxCallRecords: 500 } as const

/** Per-entry error codes a resend can cure. Anything else (KMS access denied…) cannot. */
const RETRIABLE_ENTRY_CODES = new Set(['ProvisionedThroughputExceededException', 'InternalFailure', 'ServiceUnavailable', 'KMSThrottlingException'])

/**
 * Writes records with PutRecords: batches of at most 500 records and 5 MiB (partition
 * keys included), one batch at a time; a partial failure resends only the failed
 * entries, with backoff and jitter, before any later record is sent.
 *
 * Order per partition key: records reach a shard in input order across calls. Within
 * one call Kinesis may accept a later record of a key while failing an earlier one;
 * the resent earlier record then lands after it. PutRecords cannot prevent that (only
 * one-record-per-key calls could); consumers that need strict order must tolerate it,
 * e.g. by ordering on the payload's own time.
 */
export async function putRecords(
  client: Pick<KinesisClient, 'send'>,
  streamName: string,
  records: KinesisRecordToPut[],
  opts: PutRecordsOptions = {},
): Promise<PutRecordsResult> {
  const { signal, onProgress, retries = 8, minDelayMs = 100, maxDelayMs = 5_000 } = opts
  const sizes = records.map((r, index) => recordBytes(r, index))
  const result: PutRecordsResult = { sent: 0, retried: 0, calls: 0 }

  for (const batch of planBatches(sizes)) {
    signal?.throwIfAborted()
    let pending = batch.map((i) => ({ index: i, entry: toEntry(records[i]!) }))
    await withRetry(
      async (attempt) => {
        if (attempt > 1) result.retried += pending.length
        result.calls++
        const out = await client.send(
          new PutRecordsCommand({ StreamName: streamName, Records: pending.map((p) => p.entry) }),
          signal ? { abortSignal: signal } : {},
        )
        const failed: typeof pending = []
        const codes = new Map<string, { n: number; message?: string }>()
        pending.forEach((p, i) => {
          const entry = out.Records?.[i]
          if (entry?.SequenceNumber !== undefined && entry.ErrorCode === undefined) return
          failed.push(p)
          // A missing result entry is treated like an internal failure: resend it.
          const code = entry?.ErrorCode ?? 'InternalFailure'
          const seen = codes.get(code) ?? { n: 0, ...(entry?.ErrorMessage ? { message: entry.ErrorMessage } : {}) }
          seen.n++
          codes.set(code, seen)
        })
        const written = pending.length - failed.length
        result.sent += written
        if (written > 0) onProgress?.(result.sent)
        if (failed.length === 0) return
        const reasons = [...codes].map(([code, { n, message }]) => `${n}× ${code}${message ? `: ${message}` : ''}`).join('; ')
        pending = failed
        throw new BatchmeterError(
          ErrorCode.KinesisWrite,
          `${failed.length} of ${failed.length + written} records were not written (${reasons})`,
          { retriable: [...codes.keys()].every((c) => RETRIABLE_ENTRY_CODES.has(c)), context: { streamName, failed: failed.length, reasons } },
        )
      },
      { retries, minDelayMs, maxDelayMs, ...(signal ? { signal } : {}) },
    ).catch((error: unknown) => {
      throw exhausted(error, streamName, pending.length, records.length - result.sent, retries)
    })
  }
  return result
}

/** The error to throw once a batch gives up: names the stream, what failed and what to do. */
function exhausted(error: unknown, streamName: string, failedInBatch: number, unsent: number, retries: number): unknown {
  if ((error as { name?: string }).name === 'AbortError') return error
  const what = isBatchmeterError(error) ? error.message : `${(error as { name?: string }).name ?? 'Error'}: ${(error as Error).message}`
  const hint = isRetriable(error)
    ? `still failing after ${retries} retries: the stream is throttled or unavailable; add shards, slow the producer or retry later`
    : 'not retriable: check the stream name, region, permissions (and KMS key) and the record contents'
  return new BatchmeterError(
    ErrorCode.KinesisWrite,
    `PutRecords to stream "${streamName}" gave up with ${unsent} records unwritten (${failedInBatch} in the failing call): ${what}; ${hint}`,
    { cause: error, retriable: false, context: { streamName, failed: failedInBatch, unsent } },
  )
}

function recordBytes(r: KinesisRecordToPut, index: number): number {
  const keyBytes = Buffer.byteLength(r.partitionKey, 'utf8')
  if (r.partitionKey.length < 1 || r.partitionKey.length > 256) {
    throw new BatchmeterError(
      ErrorCode.KinesisWrite,
      `record ${index} has a partition key of ${r.partitionKey.length} characters; Kinesis needs 1 to 256`,
      { context: { index, partitionKey: r.partitionKey.slice(0, 300) } },
    )
  }
  const bytes = r.data.byteLength + keyBytes
  if (bytes > PUT_RECORDS_LIMITS.maxRecordBytes) {
    throw new BatchmeterError(
      ErrorCode.KinesisWrite,
      `record ${index} (partition key "${r.partitionKey}") is ${bytes} bytes with its key, over the ${PUT_RECORDS_LIMITS.maxRecordBytes}-byte Kinesis limit; split the payload before writing`,
      { context: { index, partitionKey: r.partitionKey, bytes } },
    )
  }
  return bytes
}

/** Consecutive runs of record indexes, each within the per-call limits. */
function planBatches(sizes: number[]): number[][] {
  return packBatches(sizes.keys(), (i) => sizes[i]!, { maxItems: PUT_RECORDS_LIMITS.maxCallRecords, maxBytes: PUT_RECORDS_LIMITS.maxCallBytes })
}

function toEntry(r: KinesisRecordToPut): PutRecordsRequestEntry {
  return {
    PartitionKey: r.partitionKey,
    Data: r.data,
    ...(r.explicitHashKey === undefined ? {} : { ExplicitHashKey: r.explicitHashKey }),
  }
}
