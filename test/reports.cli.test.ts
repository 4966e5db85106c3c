import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ingestFile } from '../consumers/ingestFile.js'
import { createDirObjectStore } from '../consumers/sinks/dirObjectStore.js'
import { createS3ObjectStore } from '../consumers/sinks/s3ObjectStore.js'
import { createS3Client } from '../core/awsClients.js'
import { startLocalStack, type LocalStack } from '../local/localStack.js'
import { generateWorkload, type Workload } from '../producers/generator/generateWorkload.js'
import { writeNdjson } from '../producers/ndjsonFile.js'
import { runCli } from './helpers/runCli.js'

let stack: LocalStack
let dir: string
let workload: Workload
const RANGE = ['--from', '2026-11-30', '--to', '2026-12-06']

beforeAll(async () => {
  stack = await startLocalStack({ bucket: 'cli-reports', athena: true, athenaPrefix: 'bm' })
  dir = await mkdtemp(join(tmpdir(), 'bm-cli-reports-'))
  workload = generateWorkload({ jobs: 400, seed: 12 })
  await writeNdjson(join(dir, 'e.ndjson'), workload.records)
  await ingestFile({ input: join(dir, 'e.ndjson'), store: createDirObjectStore(join(dir, 'data')) })
  const s3 = createS3Client({ endpoint: stack.s3Endpoint, region: stack.region })
  await ingestFile({ input: join(dir, 'e.ndjson'), store: createS3ObjectStore({ client: s3, bucket: stack.bucket }), prefix: 'bm' })
  s3.destroy()
})
afterAll(async () => {
  await stack?.stop()
  await rm(dir, { recursive: true, force: true })
})

const totalJobs = (): number => Object.values(workload.truth.queues).reduce((a, q) => a + q.jobs, 0)

describe('batchmeter report / query', () => {
  it('report on a local folder, as JSON', async () => {
    const r = await runCli(['report', 'usage-by-queue', '--data', join(dir, 'data'), ...RANGE, '--format', 'json'])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as { engine: string; results: { report: string; rows: { jobs: number }[] }[] }
    expect(out.engine).toBe('local')
    expect(out.results[0]!.rows.reduce((a, row) => a + row.jobs, 0)).toBe(totalJobs())
    expect(r.stderr).toMatch(/report usage-by-queue: \d+ rows, scanned [\d.]+ KB \(Athena: \$0\.0000\d+; \$5\/TB, 10 MB minimum\)/)
  })

  it('report all through the (local) Athena endpoint, to an HTML file; one queue with CSV', async () => {
    const env = { ...stack.env }
    const athena = ['--engine', 'athena', '--output-location', `s3://${stack.bucket}/results/`]
    const out = join(dir, 'r.html')
    const r = await runCli(['report', 'all', ...athena, ...RANGE, '--format', 'html', '--out', out], env)
    expect(r.code, r.stderr).toBe(0)
    const html = await readFile(out, 'utf8')
    expect(html.match(/<section id="/g)).toHaveLength(12)
    const csv = await runCli(['report', 'usage-by-queue', ...athena, ...RANGE, '--queue', 'fargate', '--format', 'csv'], env)
    expect(csv.code, csv.stderr).toBe(0)
    const lines = csv.stdout.trim().split('\r\n')
    expect(lines[0]).toBe('job_queue,jobs,succeeded,failed,vcpu_hours,memory_gib_hours,gpu_hours,avg_wait_s,p90_wait_s')
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 2))).toEqual([['fargate', String(workload.truth.queues.fargate!.jobs)]])
    const q = await runCli(['query', 'SELECT count(*) AS n FROM jobs_deduped WHERE NOT is_array_parent AND job_queue = ?', '--param', 'spot-ec2', ...athena, '--format', 'json'], env)
    expect(q.code, q.stderr).toBe(0)
    expect(JSON.parse(q.stdout)).toEqual([{ n: workload.truth.queues['spot-ec2']!.jobs }])
  })

  it('the local engine can mirror a bucket; markdown output says costs are estimates', async () => {
    const r = await runCli(['report', 'cost-by-queue', '--engine', 'local', '--bucket', stack.bucket, '--prefix', 'bm', ...RANGE, '--format', 'md'], stack.env)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('## Estimated cost by queue')
    expect(r.stdout).toMatch(/Costs are estimates/)
    expect(r.stdout).toMatch(/\| fargate \| FARGATE \| fargate-(x86_64|arm64) \|/)
  })

  it('bad input fails with exit code 2 and says what to do', async () => {
    const bad = await runCli(['report', 'usage-by-queue', '--data', join(dir, 'data'), '--from', '2026-13-01', '--to', '2026-12-01'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--from must be a day as YYYY-MM-DD, got "2026-13-01"')
    const unknown = await runCli(['report', 'nope', '--data', join(dir, 'data')])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/Unknown report "nope". Available reports: array-jobs, backlog/)
    const csvAll = await runCli(['report', 'all', '--data', join(dir, 'data'), ...RANGE, '--format', 'csv'])
    expect(csvAll.code).toBe(2)
    expect(csvAll.stderr).toContain('CSV holds one report')
  })

  it('compact --data folds a day into one file per table', async () => {
    const r = await runCli(['compact', '--data', join(dir, 'data'), '--date', '2026-11-30'])
    expect(r.code, r.stderr).toBe(0)
    const results = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { table: string; outputRows: number })
    expect(results.map((x) => x.table)).toEqual(['jobs', 'job_events'])
    const again = await runCli(['report', 'usage-by-queue', '--data', join(dir, 'data'), ...RANGE, '--format', 'json'])
    expect((JSON.parse(again.stdout) as { results: { rows: { jobs: number }[] }[] }).results[0]!.rows.reduce((a, row) => a + row.jobs, 0)).toBe(totalJobs())
  })
})
