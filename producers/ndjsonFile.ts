/**
 * Records as NDJSON files: one record's bytes per line, written and read back byte
 * for byte (binary records included), so a file replays exactly what a stream carried.
 */
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { BatchmeterError, ErrorCode } from '../core/errors.js'

const NEWLINE = 0x0a
const CR = 0x0d
const FLUSH_BYTES = 1 << 20

/** Writes one record per line. A record holding a newline byte is refused: it would become two lines. */
export async function writeNdjson(path: string, records: Iterable<{ data: Uint8Array }> | AsyncIterable<{ data: Uint8Array }>): Promise<void> {
  const file = await open(path, 'w')
  try {
    let chunks: Uint8Array[] = []
    let size = 0
    let index = 0
    const newline = Uint8Array.of(NEWLINE)
    for await (const record of records) {
      if (record.data.indexOf(NEWLINE) !== -1) {
        throw new BatchmeterError(ErrorCode.Validate, `record ${index} contains a newline byte and cannot be written as one NDJSON line to ${path}`, { context: { path, index } })
      }
      chunks.push(record.data, newline)
      size += record.data.length + 1
      index++
      if (size >= FLUSH_BYTES) {
        await file.write(Buffer.concat(chunks, size))
        chunks = []
        size = 0
      }
    }
    if (size > 0) await file.write(Buffer.concat(chunks, size))
  } finally {
    await file.close()
  }
}

export interface NdjsonLine {
  /** 1-based line number in the file. */
  line: number
  data: Uint8Array
}

/**
 * Streams a file's lines as raw bytes, without decoding them, so any size of file
 * works and binary lines stay as they were. Empty lines are skipped (their numbers
 * still count); a trailing `\r` (CRLF files) is dropped.
 */
export async function* readNdjsonLines(path: string): AsyncGenerator<NdjsonLine> {
  let line = 0
  let pending: Buffer[] = []
  const emit = (data: Buffer): NdjsonLine | null => {
    line++
    const end = data.length > 0 && data[data.length - 1] === CR ? data.length - 1 : data.length
    return end === 0 ? null : { line, data: data.subarray(0, end) }
  }
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let from = 0
    let at = chunk.indexOf(NEWLINE, from)
    while (at !== -1) {
      const piece = chunk.subarray(from, at)
      const out = emit(pending.length === 0 ? piece : Buffer.concat([...pending, piece]))
      pending = []
      if (out !== null) yield out
      from = at + 1
      at = chunk.indexOf(NEWLINE, from)
    }
    if (from < chunk.length) pending.push(chunk.subarray(from))
  }
  if (pending.length > 0) {
    const out = emit(Buffer.concat(pending))
    if (out !== null) yield out
  }
}
