import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { encodeParquet } from '../consumers/sinks/encodeParquet.js'
import { deadLetterLine } from '../consumers/pipeline/deadLetter.js'
import { isBatchmeterError } from '../core/errors.js'
import { TABLES, TABLE_NAMES, type Row, type TableSpec } from '../core/tables.js'
import { createLocalEngine, type LocalEngine } from '../queries/localEngine.js'
import { listReports, loadReportSql } from '../queries/loadReport.js'
import { jobRow } from './helpers/tableRows.js'

let dataDir: string
let engine: LocalEngine

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'bm-engine-'))
  engine = await createLocalEngine({ dataDir })
})
afterEach(async () => {
  await engine.close()
  await rm(dataDir, { recursive: true, force: true })
})

async function writeTable(spec: TableSpec, dt: string, name: string, rows: readonly Row[]): Promise<string> {
  const folder = join(dataDir, spec.name, `dt=${dt}`)
  await mkdir(folder, { recursive: true })
  const path = join(folder, `${name}.parquet`)
  await writeFile(path, encodeParquet(spec, rows))
  return path
}

const utcDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10)

describe('local engine on an empty data folder', () => {
  it('every table is an empty view with the spec columns and dt', async () => {
    expect(await engine.query('select count(*) as n from jobs')).toEqual([{ n: 0 }])
    for (const table of TABLE_NAMES) {
      const described = await engine.query(`DESCRIBE ${table}`)
      expect(described.map((d) => d.column_name)).toEqual([...TABLES[table].columns.map((c) => c.name), 'dt'])
      expect(described.at(-1)?.column_type).toBe('DATE')
    }
    expect(await engine.query('select count(*) as n from dead_letters')).toEqual([{ n: 0 }])
  })

  it('sees files written after it started, and files removed again', async () => {
    expect(await engine.query('select count(*) as n from jobs')).toEqual([{ n: 0 }])
    const path = await writeTable(TABLES.jobs, '2024-05-01', 'a', [jobRow({}), jobRow({ job_id: 'second' })])
    expect(await engine.query('select count(*) as n from jobs')).toEqual([{ n: 2 }])
    await rm(path)
    expect(await engine.query('select count(*) as n from jobs')).toEqual([{ n: 0 }])
  })
})

describe('local engine reading files', () => {
  it('a column missing from an older file reads as NULL', async () => {
    const older: TableSpec = { ...TABLES.jobs, columns: TABLES.jobs.columns.filter((c) => c.name !== 'tags') }
    await writeTable(older, '2024-05-01', 'old', [jobRow({ job_id: 'old', tags: null })])
    await writeTable(TABLES.jobs, '2024-05-02', 'new', [jobRow({ job_id: 'new', tags: { team: 'ml' } })])
    const rows = await engine.query('select job_id, tags, dt from jobs order by job_id')
    expect(rows).toEqual([
      { job_id: 'new', tags: { team: 'ml' }, dt: '2024-05-02' },
      { job_id: 'old', tags: null, dt: '2024-05-01' },
    ])
  })

  it('partition filters on dt prune files', async () => {
    await writeTable(TABLES.jobs, '2024-05-01', 'a', [jobRow({ job_id: 'a' })])
    await writeTable(TABLES.jobs, '2024-05-02', 'b', [jobRow({ job_id: 'b' })])
    expect(await engine.query("select job_id from jobs where dt = DATE '2024-05-02'")).toEqual([{ job_id: 'b' }])
  })

  it('dead letters: NDJSON lines under dead-letter/dt=…/ with typed columns', async () => {
    const folder = join(dataDir, 'dead-letter', 'dt=2024-05-01')
    await mkdir(folder, { recursive: true })
    const line = deadLetterLine({
      reason: 'invalid JSON',
      field: '(json)',
      shard: 'shardId-000000000001',
      sequence: '4965',
      subSequence: null,
      receivedAt: Date.parse('2024-05-01T10:00:00.250Z'),
      dataBase64: Buffer.from('{not json').toString('base64'),
    })
    await writeFile(join(folder, 'shardId-000000000001-4965.ndjson'), `${line}\n`)
    expect(await engine.query('select reason, field, shard, sequence, sub_sequence, received_at, data_base64, dt from dead_letters')).toEqual([
      {
        reason: 'invalid JSON',
        field: '(json)',
        shard: 'shardId-000000000001',
        sequence: '4965',
        sub_sequence: null,
        received_at: '2024-05-01T10:00:00.250Z',
        data_base64: 'e25vdCBqc29u',
        dt: '2024-05-01',
      },
    ])
  })
})

describe('local engine results and parameters', () => {
  it('returns plain JS values', async () => {
    const [row] = await engine.query(`select 9007199254740993::BIGINT as big, 42::BIGINT as small, sum(x) as huge, 1.25::DECIMAL(10,2) as dec,
      DATE '2024-05-01' as d, TIMESTAMP '2024-05-01 10:00:00.123' as ts, MAP {'a': 1, 'b': 2} as m, [1, 2, 3] as l,
      [TIMESTAMP '2024-05-01 00:00:00'] as lt, {'k': 7::BIGINT} as s, NULL::VARCHAR as n from (values (1), (2)) t(x)`)
    expect(row).toEqual({
      big: '9007199254740993',
      small: 42,
      huge: 3,
      dec: 1.25,
      d: '2024-05-01',
      ts: '2024-05-01T10:00:00.123Z',
      m: { a: 1, b: 2 },
      l: [1, 2, 3],
      lt: ['2024-05-01T00:00:00.000Z'],
      s: { k: 7 },
      n: null,
    })
  })

  it('binds ? and $n parameters', async () => {
    expect(await engine.query('select ? as a, ? as b, ? as c', ["it's", 2.5, true])).toEqual([{ a: "it's", b: 2.5, c: true }])
    expect(await engine.query('select $2 || $1 as s', ['a', 'b'])).toEqual([{ s: 'ba' }])
    expect(await engine.query('select ?::TIMESTAMP as t', [new Date('2024-05-01T10:00:00.5Z')])).toEqual([{ t: '2024-05-01T10:00:00.500Z' }])
  })

  it('rejects a parameter it cannot bind, and wraps SQL errors', async () => {
    await expect(engine.query('select ?', [{ a: 1 }])).rejects.toMatchObject({ code: 'E_USAGE' })
    await expect(engine.query('select * from no_such_table')).rejects.toMatchObject({ code: 'E_QUERY' })
  })

  it('has the Trino compatibility macros', async () => {
    expect(await engine.query('select approx_percentile(x, 0.5) as p, to_unixtime(TIMESTAMP \'1970-01-01 00:01:00\') as u from range(5) t(x)')).toEqual([{ p: 2, u: 60 }])
  })
})

describe('usage-by-queue report', () => {
  const stop = (iso: string): Row => {
    const stopped = Date.parse(iso)
    return { stopped_at: stopped, started_at: stopped - 3_600_000, created_at: stopped - 3_700_000 }
  }
  const rows: Row[] = [
    jobRow({ job_id: 'a', job_queue: 'gpu', status: 'SUCCEEDED', vcpu_seconds: 14_400, memory_gib_seconds: 28_800, gpu_seconds: 3600, wait_s: 30, ...stop('2024-05-01T12:00:00Z') }),
    jobRow({ job_id: 'b', job_queue: 'gpu', status: 'FAILED', vcpu_seconds: 7200, memory_gib_seconds: 3600, gpu_seconds: 0, wait_s: 10, ...stop('2024-05-02T12:00:00Z') }),
    jobRow({ job_id: 'c', job_queue: 'gpu', status: 'SUCCEEDED', vcpu_seconds: 3600, memory_gib_seconds: 7200, gpu_seconds: 0, wait_s: null, ...stop('2024-05-31T23:59:59Z') }),
    // An array parent: bookkeeping only, never counted.
    jobRow({ job_id: 'p', job_queue: 'gpu', is_array_parent: true, vcpu_seconds: 1e6, memory_gib_seconds: 1e6, gpu_seconds: 1e6, wait_s: 1e6, ...stop('2024-05-02T00:00:00Z') }),
    // Fractional vCPUs on Fargate: 0.25 vCPU × 2 h.
    jobRow({ job_id: 'd', job_queue: 'fargate', status: 'SUCCEEDED', vcpus: 0.25, vcpu_seconds: 1800, memory_gib_seconds: 900, gpu_seconds: 0, wait_s: 100, ...stop('2024-05-15T00:00:00Z') }),
    // Outside the date range.
    jobRow({ job_id: 'e', job_queue: 'fargate', vcpu_seconds: 99_999, ...stop('2024-06-01T00:00:00Z') }),
    jobRow({ job_id: 'f', job_queue: 'old', vcpu_seconds: 99_999, ...stop('2024-04-30T23:59:59Z') }),
  ]
  const expected = [
    { job_queue: 'gpu', jobs: 3, succeeded: 2, failed: 1, vcpu_hours: 7, memory_gib_hours: 11, gpu_hours: 1, avg_wait_s: 20, p90_wait_s: 28 },
    { job_queue: 'fargate', jobs: 1, succeeded: 1, failed: 0, vcpu_hours: 0.5, memory_gib_hours: 0.25, gpu_hours: 0, avg_wait_s: 100, p90_wait_s: 100 },
  ]

  beforeEach(async () => {
    const byDt = new Map<string, Row[]>()
    for (const r of rows) {
      const dt = utcDate(r.stopped_at as number)
      byDt.set(dt, [...(byDt.get(dt) ?? []), r])
    }
    for (const [dt, group] of byDt) await writeTable(TABLES.jobs, dt, 'x', group)
  })

  it('gives exact numbers per queue, ordered by vCPU hours, array parents excluded', async () => {
    const result = await engine.query(loadReportSql('usage-by-queue'), ['2024-05-01', '2024-05-31', '', ''])
    expect(result).toEqual(expected)
  })

  it('binds the dates: a quote in a parameter neither breaks the SQL nor injects', async () => {
    const injected = "2024-05-01' OR '1'='1"
    const outcome = await engine.query(loadReportSql('usage-by-queue'), [injected, '2024-05-31', '', '']).then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    )
    // DuckDB either refuses the value as a date or reads its date prefix; never more rows.
    if ('error' in outcome) {
      expect(isBatchmeterError(outcome.error) && outcome.error.code).toBe('E_QUERY')
      expect(String(outcome.error)).toMatch(/conversion|date/i)
    } else {
      expect(outcome.result).toEqual(expected)
    }
    const dropAttempt = "2024-05-01'); DROP VIEW jobs; --"
    await engine.query(loadReportSql('usage-by-queue'), [dropAttempt, '2024-05-31', '', '']).catch(() => undefined)
    expect(await engine.query(loadReportSql('usage-by-queue'), ['2024-05-01', '2024-05-31', '', ''])).toEqual(expected)
  })
})

describe('loadReportSql', () => {
  it('lists the report files', () => {
    expect(listReports()).toContain('usage-by-queue')
  })

  it.each(['nope', '../localEngine', 'usage-by-queue.sql', ''])('rejects %j, listing the available reports', (name) => {
    expect(() => loadReportSql(name)).toThrow(/Unknown report .*Available reports: .*usage-by-queue/)
  })
})
