import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BatchmeterError } from '../core/errors.js'
import { generateWorkload } from './generator/generateWorkload.js'
import { type NdjsonLine, readNdjsonLines, writeNdjson } from './ndjsonFile.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batchmeter-ndjson-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function readAll(path: string): Promise<NdjsonLine[]> {
  const lines: NdjsonLine[] = []
  for await (const line of readNdjsonLines(path)) lines.push(line)
  return lines
}

describe('NDJSON files', () => {
  it('write and read back every record byte for byte, binary ones included, across read chunks', async () => {
    const { records } = generateWorkload({ jobs: 1500, seed: 5, malformed: 0.05, duplicates: 0.05 })
    expect(records.some((r) => r.kind === 'malformed')).toBe(true)
    const path = join(dir, 'workload.ndjson')
    await writeNdjson(path, records)
    const lines = await readAll(path)
    expect(lines).toHaveLength(records.length)
    lines.forEach((l, i) => {
      expect(l.line).toBe(i + 1)
      expect(Buffer.compare(l.data, records[i]!.data)).toBe(0)
    })
  })

  it('reads a line longer than a read chunk, skips blank lines and drops CRLF carriage returns', async () => {
    const path = join(dir, 'odd.ndjson')
    const long = 'x'.repeat(3 << 20)
    await writeFile(path, `{"a":1}\r\n\n${long}\n{"b":2}`)
    const lines = await readAll(path)
    expect(lines.map((l) => l.line)).toEqual([1, 3, 4])
    expect(Buffer.from(lines[0]!.data).toString()).toBe('{"a":1}')
    expect(lines[1]!.data.length).toBe(long.length)
    expect(Buffer.from(lines[2]!.data).toString()).toBe('{"b":2}')
  })

  it('accepts an async iterable and refuses a record with a newline', async () => {
    const path = join(dir, 'async.ndjson')
    async function* gen(): AsyncGenerator<{ data: Uint8Array }> {
      yield { data: Buffer.from('{"a":1}') }
      yield { data: Buffer.from('{"b":2}') }
    }
    await writeNdjson(path, gen())
    expect(await readFile(path, 'utf8')).toBe('{"a":1}\n{"b":2}\n')
    await expect(writeNdjson(join(dir, 'bad.ndjson'), [{ data: Buffer.from('a\nb') }])).rejects.toBeInstanceOf(BatchmeterError)
  })

  it('reads an empty file as no lines', async () => {
    const path = join(dir, 'empty.ndjson')
    await writeFile(path, '')
    expect(await readAll(path)).toEqual([])
  })
})
