import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand, type AthenaClient } from '@aws-sdk/client-athena'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeParquet } from '../consumers/sinks/encodeParquet.js'
import { createAthenaClient, createS3Client } from '../core/awsClients.js'
import { TABLES } from '../core/tables.js'
import { startLocalStack, type LocalStack } from '../local/localStack.js'
import { createAthenaRunner } from '../queries/athena/athenaRunner.js'
import { installNamedQueries } from '../queries/athena/installNamedQueries.js'
import { allDdlStatements, createTableDdl } from '../queries/ddl/tableDdl.js'
import { loadReport } from '../queries/loadReport.js'
import { reportParameterValues } from '../queries/reportParameters.js'
import { syncFromS3 } from '../queries/syncFromS3.js'
import { jobRow } from './helpers/tableRows.js'

let stack: LocalStack
let s3: S3Client
let athena: AthenaClient
const OUTPUT = 's3://athena-test/results/'

/** Counts the calls of each command sent through the client. */
function countCalls(client: AthenaClient): Map<string, number> {
  const calls = new Map<string, number>()
  client.middlewareStack.add(
    (next, context) => async (args) => {
      calls.set(context.commandName ?? '?', (calls.get(context.commandName ?? '?') ?? 0) + 1)
      return next(args)
    },
    { step: 'initialize', name: 'countCalls' },
  )
  return calls
}

beforeAll(async () => {
  stack = await startLocalStack({ bucket: 'athena-test', athena: true, athenaPrefix: 'bm' })
  s3 = createS3Client({ endpoint: stack.s3Endpoint, region: stack.region })
  athena = createAthenaClient({ endpoint: stack.athenaEndpoint, region: stack.region })
  const day = (iso: string, row: Record<string, unknown>) => ({ ...row, stopped_at: Date.parse(iso), started_at: Date.parse(iso) - 60_000, created_at: Date.parse(iso) - 90_000 })
  const rows = [
    jobRow(day('2026-05-01T10:00:00Z', { job_id: 'a', job_queue: "team's-queue", vcpu_seconds: 7200 })),
    jobRow(day('2026-05-01T11:00:00Z', { job_id: 'b', job_queue: 'plain', vcpu_seconds: 3600 })),
    ...Array.from({ length: 2500 }, (_, i) => jobRow(day('2026-05-02T10:00:00Z', { job_id: `bulk-${i}`, job_queue: 'bulk', vcpu_seconds: i }))),
  ]
  await s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: 'bm/jobs/dt=2026-05-01/f1.parquet', Body: encodeParquet(TABLES.jobs, rows.slice(0, 2)) }))
  await s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: 'bm/jobs/dt=2026-05-02/f1.parquet', Body: encodeParquet(TABLES.jobs, rows.slice(2)) }))
})
afterAll(async () => {
  athena?.destroy()
  s3?.destroy()
  await stack?.stop()
})

describe('Athena runner against the local Athena endpoint', () => {
  it('runs the DDL (tables with partition projection, dedupe views) and a query over them', async () => {
    const runner = createAthenaRunner({ client: athena, outputLocation: OUTPUT, pollMinMs: 10 })
    for (const statement of allDdlStatements({ bucket: stack.bucket, prefix: 'bm' })) {
      const r = await runner.run(statement)
      expect(r.statementType).toBe('DDL')
      expect(r.stats.costUsd).toBe(0)
    }
    await expect(runner.run(createTableDdl(TABLES.jobs, { bucket: 'elsewhere', prefix: '' }))).rejects.toMatchObject({ code: 'E_QUERY', message: expect.stringMatching(/LOCATION s3:\/\/elsewhere\/jobs\/ is not where/) })
    const r = await runner.run('SELECT count(*) AS n, sum(vcpu_seconds) AS s FROM jobs_deduped WHERE dt = DATE \'2026-05-01\'')
    expect(r.rows).toEqual([{ n: 2, s: 10_800 }])
    expect(r.columns).toEqual([{ name: 'n', type: 'bigint' }, { name: 's', type: 'double' }])
    expect(r.stats.dataScannedBytes).toBeGreaterThan(0)
    // Billed at the 10 MB minimum: $5 per TB.
    expect(r.stats.costUsd).toBeCloseTo((10 * 1024 * 1024 * 5) / 1024 ** 4, 12)
  })

  it('binds parameters as literals: a queue name with a quote, and an injection attempt that matches nothing', async () => {
    const runner = createAthenaRunner({ client: athena, outputLocation: OUTPUT, pollMinMs: 10 })
    const report = loadReport('usage-by-queue')
    const params = (queues: string[]) => reportParameterValues(report, { from: '2026-05-01', to: '2026-05-01', queues })
    const quoted = await runner.run(report.sql, params(["team's-queue"]))
    expect(quoted.rows.map((r) => [r.job_queue, r.jobs, r.vcpu_hours])).toEqual([["team's-queue", 1, 2]])
    const injected = await runner.run(report.sql, params(["x' OR '1'='1"]))
    expect(injected.rows).toEqual([])
    const all = await runner.run(report.sql, params([]))
    expect(all.rows.map((r) => r.job_queue).sort()).toEqual(['plain', "team's-queue"])
  })

  it('pages through GetQueryResults and writes the CSV result to the output location', async () => {
    const client = createAthenaClient({ endpoint: stack.athenaEndpoint, region: stack.region })
    const calls = countCalls(client)
    try {
      const runner = createAthenaRunner({ client, outputLocation: OUTPUT, pollMinMs: 10, pageSize: 1000 })
      const r = await runner.run("SELECT job_id, vcpu_seconds, stopped_at FROM jobs WHERE dt = CAST(? AS DATE) ORDER BY vcpu_seconds", ['2026-05-02'])
      expect(r.rows).toHaveLength(2500)
      expect(r.rows[0]).toEqual({ job_id: 'bulk-0', vcpu_seconds: 0, stopped_at: '2026-05-02T10:00:00.000Z' })
      expect(r.rows[2499]).toMatchObject({ job_id: 'bulk-2499', vcpu_seconds: 2499 })
      // 2500 rows + the header row = 3 pages of up to 1000.
      expect(calls.get('GetQueryResultsCommand')).toBe(3)
      const csv = await (await s3.send(new GetObjectCommand({ Bucket: stack.bucket, Key: `results/${r.queryExecutionId}.csv` }))).Body!.transformToString()
      const lines = csv.trimEnd().split('\n')
      expect(lines).toHaveLength(2501)
      expect(lines[0]).toBe('"job_id","vcpu_seconds","stopped_at"')
      expect(lines[1]).toBe('"bulk-0","0","2026-05-02 10:00:00.000"')
      expect(r.outputLocation).toBe(`${OUTPUT}${r.queryExecutionId}.csv`)
    } finally {
      client.destroy()
    }
  })

  it('polls with growing delays until the query is done, and rides out throttling', async () => {
    const slow = await startSlowEndpoint({ minRunMs: 600, throttleFirst: 2 })
    try {
      const delays: number[] = []
      const states: string[] = []
      const runner = createAthenaRunner({
        client: slow.client,
        outputLocation: OUTPUT,
        pollMinMs: 20,
        pollMaxMs: 80,
        retry: { minDelayMs: 5, maxDelayMs: 10 },
        onState: (s) => states.push(s),
        delay: async (ms) => {
          delays.push(ms)
          await new Promise((r) => setTimeout(r, ms))
        },
      })
      const r = await runner.run('SELECT 42 AS answer')
      expect(r.rows).toEqual([{ answer: 42 }])
      expect(states.at(-1)).toBe('SUCCEEDED')
      expect(states.filter((s) => s !== 'SUCCEEDED').length).toBeGreaterThanOrEqual(3)
      expect(delays.slice(0, 3)).toEqual([20, 40, 80])
      expect(Math.max(...delays)).toBe(80)
    } finally {
      await slow.stop()
    }
  })

  it('cancels the query when the signal aborts (as on SIGINT)', async () => {
    const slow = await startSlowEndpoint({ minRunMs: 5000 })
    try {
      const controller = new AbortController()
      let id = ''
      const runner = createAthenaRunner({
        client: slow.client,
        outputLocation: OUTPUT,
        pollMinMs: 20,
        onState: (state, queryExecutionId) => {
          id = queryExecutionId
          if (state === 'RUNNING') controller.abort()
        },
      })
      const started = Date.now()
      await expect(runner.run('SELECT 1 AS one', [], { signal: controller.signal })).rejects.toMatchObject({ code: 'E_QUERY', context: { cancelled: true } })
      expect(Date.now() - started).toBeLessThan(4000)
      const after = await slow.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))
      expect(after.QueryExecution?.Status?.State).toBe('CANCELLED')
    } finally {
      await slow.stop()
    }
  })

  it('reports a failed query with the engine message, and refuses what Athena refuses', async () => {
    const runner = createAthenaRunner({ client: athena, outputLocation: OUTPUT, pollMinMs: 10 })
    await expect(runner.run('SELECT no_such_column FROM jobs')).rejects.toMatchObject({ code: 'E_QUERY', message: expect.stringMatching(/failed: .*no_such_column/s), context: { state: 'FAILED' } })
    // A parameter that is not a literal fails the query; it is never spliced into SQL.
    const { QueryExecutionId } = await athena.send(new StartQueryExecutionCommand({ QueryString: 'SELECT ? AS x', ExecutionParameters: ["1); DROP VIEW jobs_deduped; --"], ResultConfiguration: { OutputLocation: OUTPUT } }))
    let state: string | undefined
    for (let i = 0; i < 100 && state !== 'FAILED'; i++) {
      state = (await athena.send(new GetQueryExecutionCommand({ QueryExecutionId }))).QueryExecution?.Status?.State
      await new Promise((r) => setTimeout(r, 10))
    }
    expect(state).toBe('FAILED')
    await expect(athena.send(new GetQueryResultsCommand({ QueryExecutionId }))).rejects.toMatchObject({ name: 'InvalidRequestException' })
    await expect(athena.send(new GetQueryExecutionCommand({ QueryExecutionId: 'no-such-id' }))).rejects.toMatchObject({ name: 'InvalidRequestException' })
    await expect(runner.run('SELECT 1', [], { signal: AbortSignal.abort() })).rejects.toThrow()
  })

  it('installs the canned reports as named queries, replacing earlier versions', async () => {
    const first = await installNamedQueries({ client: athena, workGroup: 'primary', database: 'batchmeter', reports: ['usage-by-queue', 'failures'] })
    const second = await installNamedQueries({ client: athena, workGroup: 'primary', database: 'batchmeter', reports: ['usage-by-queue', 'failures'] })
    expect(first).toEqual({ created: 2, replaced: 0 })
    expect(second).toEqual({ created: 2, replaced: 2 })
  })

  it('the local S3 pages ListObjectsV2 past 1000 keys (s3rver continuation tokens)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bm-many-'))
    try {
      const keys = Array.from({ length: 1005 }, (_, i) => `many/k${String(i).padStart(5, '0')}`)
      for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((Key) => s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key, Body: 'x' }))))
      const r = await syncFromS3({ client: s3, bucket: stack.bucket, prefix: 'many/', dir })
      expect(r.downloaded).toBe(1005)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

/** A second endpoint over the same S3 with a slow minimum run time (and optional throttling). */
async function startSlowEndpoint(opts: { minRunMs: number; throttleFirst?: number }) {
  const { startAthenaEndpoint } = await import('../local/athenaEndpoint.js')
  const endpoint = await startAthenaEndpoint({ s3, bucket: stack.bucket, prefix: 'bm', ...opts })
  // One SDK attempt per call: the runner's own retry must ride out the throttling.
  const client = createAthenaClient({ endpoint: endpoint.endpoint, region: stack.region, maxAttempts: 1 })
  return {
    client,
    async stop() {
      client.destroy()
      await endpoint.stop()
    },
  }
}
