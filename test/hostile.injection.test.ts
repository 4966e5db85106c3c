import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative, sep } from 'node:path'
import fc from 'fast-check'
import { parseHTML } from 'linkedom'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CheckpointStore } from '../consumers/checkpoint/checkpointStore.js'
import { ingestFile } from '../consumers/ingestFile.js'
import { commitChunk } from '../consumers/lambda/commitChunk.js'
import type { DynamoStateStore } from '../consumers/lambda/dynamoStateStore.js'
import { createDirObjectStore } from '../consumers/sinks/dirObjectStore.js'
import { type ObjectStore, assertSafeKey } from '../consumers/sinks/objectStore.js'
import { objectKey } from '../consumers/sinks/planOutputFiles.js'
import { DEFAULT_PRICES } from '../core/priceTable.js'
import { writeNdjson } from '../producers/ndjsonFile.js'
import { renderHtmlReport } from '../queries/html/renderHtmlReport.js'
import { type LocalEngine, createLocalEngine } from '../queries/localEngine.js'
import { loadReport } from '../queries/loadReport.js'
import { renderMarkdown } from '../queries/render/renderMarkdown.js'
import { renderRows } from '../queries/render/renderTable.js'
import { reportParameterValues } from '../queries/reportParameters.js'
import type { ReportBundle } from '../queries/runReports.js'
import { EVENT_T0, encode, jobEvent } from './helpers/eventBuilder.js'

/**
 * Names and texts that try to be paths, SQL, markup, spreadsheet formulas or terminal
 * escapes travel through every stage as plain data: keys stay under their prefix,
 * values come back byte for byte, SQL only ever binds them, and every output format
 * neutralises them.
 */
const HOSTILE = [
  '../../../../etc/passwd',
  '/absolute/path',
  '..%2F..%2Fescape',
  'a/b/../../c',
  `it's "quoted"`,
  "x' OR '1'='1",
  "'; DROP TABLE jobs; --",
  '<script>alert(1)</script>',
  '<img src=x onerror="alert(1)">',
  '=HYPERLINK("http://evil.example","click")',
  '+SUM(A1:A9)',
  '-2+3+cmd|" /C calc"!A0',
  '@SUM(1+1)',
  'nul\u0000byte',
  'esc\u001b[31mred\u001b[0m\u0007bell\u001b]0;title\u0007',
  'line\r\nbreak\ttab',
  'bidi\u202eevil\u202c',
] as const

let dir: string
let data: string
let engine: LocalEngine

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bm-inject-'))
  data = join(dir, 'data')
  const events = HOSTILE.flatMap((name, i) => {
    const jobId = `job-${i}`
    const common = { jobId, queue: name, statusReason: name, tags: { team: name, [name]: 'key' } }
    const e = (s: Record<string, unknown>) => ({ ...s, detail: { ...(s.detail as object), jobName: name, shareIdentifier: name } })
    return [
      e(jobEvent({ ...common, status: 'RUNNABLE', at: i })),
      e(jobEvent({ ...common, status: 'SUCCEEDED', at: 100 + i, attempts: [[10, 70, 0]], startedAt: 10, stoppedAt: 70 })),
    ]
  })
  const input = join(dir, 'events.ndjson')
  await writeNdjson(input, events.map((ev) => ({ data: encode(ev) })))
  await ingestFile({ input, store: createDirObjectStore(data) })
  engine = await createLocalEngine({ dataDir: data })
})
afterAll(async () => {
  await engine?.close()
  await rm(dir, { recursive: true, force: true })
})

async function allFiles(root: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name))
      else out.push(relative(root, join(d, e.name)))
    }
  }
  await walk(root)
  return out
}

describe('object keys never leave their prefix', () => {
  it('hostile names in the data put no file outside the table layout', async () => {
    const files = await allFiles(data)
    expect(files.length).toBeGreaterThanOrEqual(3)
    for (const f of files) expect(f.split(sep).join('/')).toMatch(/^(job_events|jobs|queue_minutes)\/dt=\d{4}-\d{2}-\d{2}\/[A-Za-z0-9._-]+\.parquet$/)
    expect(await allFiles(dir).then((all) => all.filter((f) => !f.startsWith(`data${sep}`) && f !== 'events.ndjson'))).toEqual([])
  })

  it('any file id, prefix or stream name gives a key under the prefix (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.constantFrom('', 'p', 'a/b', 'a/b/'), fc.string({ unit: 'binary', maxLength: 40 }), (fileId, prefix, stream) => {
        for (const table of ['jobs', 'dead-letter']) {
          const key = objectKey(prefix, table, '2026-11-30', fileId, 'parquet')
          const base = prefix.replace(/\/+$/, '')
          expect(key.startsWith(`${base ? `${base}/` : ''}${table}/dt=2026-11-30/`)).toBe(true)
          expect(key.split('/')).toHaveLength((base ? base.split('/').length : 0) + 3)
          expect(() => assertSafeKey(key)).not.toThrow()
        }
        const checkpoint = new CheckpointStore({} as ObjectStore, prefix, stream).checkpointKey
        expect(() => assertSafeKey(checkpoint)).not.toThrow()
        expect(checkpoint.startsWith(prefix.replace(/\/+$/, '') ? `${prefix.replace(/\/+$/, '')}/_batchmeter/consumer/` : '_batchmeter/consumer/')).toBe(true)
      }),
      { seed: 7, numRuns: 500 },
    )
  })

  it('a Lambda record whose eventID names a hostile shard writes under its prefix only', async () => {
    const written: string[] = []
    const objectStore: ObjectStore = { location: 'memory', put: async (k) => void written.push(k), get: async () => undefined, delete: async () => {}, async *list() {} }
    const state = { loadJobs: async () => new Map(), saveJobs: async () => {}, readChunkFiles: async () => [], writeChunkFiles: async () => {} } as unknown as DynamoStateStore
    for (const shardId of ['../../../outside', '/etc/cron.d/x', 'shard/../../..', '%2e%2e%2fx']) {
      const record = { shardId, sequenceNumber: '49654321012345678901234567890', partitionKey: 'k', data: encode(jobEvent({ jobId: 'lj', status: 'SUCCEEDED', at: 1, attempts: [[0, 1, 0]] })), arrivalMs: EVENT_T0 }
      await commitChunk([record, { ...record, sequenceNumber: '49654321012345678901234567891', data: new TextEncoder().encode('{bad') }], { objectStore, state, prefix: 'tenant-a', retention: { retainAfterTerminalMs: 1, maxAgeMs: 1 }, now: () => EVENT_T0 })
    }
    expect(written.length).toBeGreaterThan(4)
    for (const k of written) {
      expect(k.startsWith('tenant-a/')).toBe(true)
      expect(() => assertSafeKey(k)).not.toThrow()
    }
  })
})

describe('values come back as they went in; SQL only binds them', () => {
  it('job names, queues, tags, reasons and share ids read back byte for byte', async () => {
    const rows = await engine.query('select job_id, job_name, job_queue, status_reason, share_identifier, tags from jobs order by job_id')
    expect(rows).toHaveLength(HOSTILE.length)
    for (const r of rows) {
      const name = HOSTILE[Number(String(r.job_id).slice('job-'.length))]!
      expect([r.job_name, r.job_queue, r.status_reason, r.share_identifier]).toEqual([name, name, name, name])
      expect(r.tags).toEqual({ team: name, [name]: 'key' })
    }
  })

  it('canned reports bind hostile queue filters: exact matches only, nothing executed, tables intact', async () => {
    const report = loadReport('usage-by-queue')
    expect(report.sql).not.toMatch(/\$\{/)
    for (const q of HOSTILE.filter((h) => !h.includes(','))) {
      const rows = await engine.query(report.sql, reportParameterValues(report, { from: '2026-01-01', to: '2026-12-31', queues: [q] }))
      expect(rows.map((r) => r.job_queue), JSON.stringify(q)).toEqual([q])
    }
    const [count] = await engine.query('select count(*) as n from jobs')
    expect(count?.n).toBe(HOSTILE.length)
  })
})

describe('every output format neutralises hostile text', () => {
  const rows = HOSTILE.map((h, i) => ({ job_queue: h, jobs: i + 1, vcpu_hours: 1.5, note: h }))

  /** RFC 4180 records: fields split on commas outside quotes, quotes undoubled. */
  const parseCsv = (text: string): string[][] => {
    const records: string[][] = []
    let field = ''
    let record: string[] = []
    let quoted = false
    const endField = (): void => {
      record.push(field)
      field = ''
    }
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!
      if (quoted) {
        if (ch === '"' && text[i + 1] === '"') {
          field += '"'
          i++
        } else if (ch === '"') quoted = false
        else field += ch
      } else if (ch === '"') quoted = true
      else if (ch === ',') endField()
      else if (ch === '\r' && text[i + 1] === '\n') {
        endField()
        records.push(record)
        record = []
        i++
      } else field += ch
    }
    return records
  }

  it('CSV: formulas neutralised, quotes doubled, one record per row, every value kept', () => {
    const records = parseCsv(renderRows(rows, 'csv'))
    expect(records).toHaveLength(rows.length + 1)
    records.slice(1).forEach((r, i) => {
      expect(r).toHaveLength(4)
      for (const text of [r[0]!, r[3]!]) expect(text, text).not.toMatch(/^[=+\-@\t\r]/)
      // Nothing lost: the neutralised cell is the value behind one apostrophe.
      expect(r[0]!.replace(/^'(?=[=+\-@\t\r])/, '')).toBe(HOSTILE[i])
    })
  })

  it('terminal table: no escape sequence, control or bidi character survives', () => {
    const out = renderRows(rows, 'table')
    const bad = [...out].filter((ch) => ch !== '\n' && (ch < ' ' || (ch >= '\x7f' && ch <= '\x9f') || /[\u202a-\u202e\u2066-\u2069\u200e\u200f]/.test(ch)))
    expect(bad).toEqual([])
    expect(out).toContain('escredbell')
  })

  it('Markdown: pipes, markup and line breaks cannot break out of a cell', () => {
    const md = renderMarkdown([...rows, { job_queue: 'a|b', jobs: 0, vcpu_hours: 0, note: 'x\ny' }])
    const lines = md.split('\n')
    expect(lines).toHaveLength(rows.length + 3)
    expect(md).not.toMatch(/<script|<img/)
    for (const l of lines) expect(l.replaceAll('\\|', '').split('|').length - 1, l).toBe(5)
  })

  it('HTML: every text is escaped, charts included; no script can run', () => {
    const bundle: ReportBundle = {
      engine: 'local',
      parameters: { from: '2026-11-30', to: '2026-11-30', queues: [...HOSTILE.slice(7, 9)], prices: DEFAULT_PRICES, tagKey: '<b>team</b>' },
      generatedAt: '2026-12-01T00:00:00.000Z',
      results: [
        {
          report: { name: 'usage-by-queue', title: 'Usage by queue', description: 'd' },
          columns: [{ name: 'job_queue', type: 'VARCHAR' }, { name: 'jobs', type: 'BIGINT' }, { name: 'vcpu_hours', type: 'DOUBLE' }, { name: 'note', type: 'VARCHAR' }],
          rows,
        } as unknown as ReportBundle['results'][number],
      ],
    }
    const html = renderHtmlReport(bundle)
    const { document } = parseHTML(html)
    expect(document.querySelectorAll('script')).toHaveLength(0)
    expect(document.querySelectorAll('img, iframe, object, embed, b')).toHaveLength(0)
    for (const el of document.querySelectorAll('*')) for (const a of el.attributes) expect(a.name, el.tagName).not.toMatch(/^on/i)
    // The hostile strings are there, as text (tables and chart labels).
    const text = document.body.textContent ?? ''
    for (const h of ['<script>alert(1)</script>', '<img src=x onerror="alert(1)">', 'x\' OR \'1\'=\'1']) expect(text).toContain(h)
    expect(html).not.toContain('\u0000')
  })
})
