import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CopyObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ingestFile } from '../consumers/ingestFile.js'
import { createS3ObjectStore } from '../consumers/sinks/s3ObjectStore.js'
import { createAthenaClient, createS3Client } from '../core/awsClients.js'
import { parsePriceTable } from '../core/priceTable.js'
import { startLocalStack, type LocalStack } from '../local/localStack.js'
import { generateWorkload, type Workload } from '../producers/generator/generateWorkload.js'
import { writeNdjson } from '../producers/ndjsonFile.js'
import { createAthenaRunner } from '../queries/athena/athenaRunner.js'
import { allDdlStatements } from '../queries/ddl/tableDdl.js'
import { athenaReportEngine } from '../queries/reportEngine.js'
import { runReports } from '../queries/runReports.js'
import { listReports } from '../queries/loadReport.js'
import { expectedReports } from './reports.expected.js'
import { expectRowsToMatch } from './reports.matchRows.js'

let stack: LocalStack
let s3: S3Client
let workload: Workload
let dir: string

beforeAll(async () => {
  stack = await startLocalStack({ bucket: 'reports-e2e', athena: true, athenaPrefix: 'tables' })
  s3 = createS3Client({ endpoint: stack.s3Endpoint, region: stack.region })
  dir = await mkdtemp(join(tmpdir(), 'bm-reports-athena-'))
  workload = generateWorkload({ jobs: 1200, seed: 5, duplicates: 0.05, reorder: 0.05, malformed: 0.005 })
  const input = join(dir, 'events.ndjson')
  await writeNdjson(input, workload.records)
  await ingestFile({ input, store: createS3ObjectStore({ client: s3, bucket: stack.bucket }), prefix: 'tables', batchRecords: 1500 })
  // At-least-once: a retried Lambda batch rewrote the first jobs file under another key.
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: stack.bucket, Prefix: 'tables/jobs/dt=2026-11-30/' }))
  const first = listed.Contents?.[0]?.Key
  expect(first).toBeDefined()
  await s3.send(new CopyObjectCommand({ Bucket: stack.bucket, CopySource: `${stack.bucket}/${first}`, Key: first!.replace('.parquet', '-retry.parquet') }))
})
afterAll(async () => {
  s3?.destroy()
  await stack?.stop()
  await rm(dir, { recursive: true, force: true })
})

describe('canned reports through the Athena runner and the local Athena endpoint', () => {
  it('every report equals the generator ground truth (counts, hours, cost to the cent)', async () => {
    const client = createAthenaClient({ endpoint: stack.athenaEndpoint, region: stack.region })
    try {
      const runner = createAthenaRunner({ client, outputLocation: `s3://${stack.bucket}/athena-results/`, pollMinMs: 10 })
      for (const statement of allDdlStatements({ bucket: stack.bucket, prefix: 'tables' })) await runner.run(statement)
      const prices = parsePriceTable({ queues: { 'spot-ec2': { capacity: 'spot' } } })
      const scope = { from: '2026-11-29', to: '2026-12-05', queues: [] as string[], prices, tagKey: 'cost-center' }
      const bundle = await runReports(athenaReportEngine(runner), listReports(), scope)
      const expected = expectedReports(workload.jobsTruth.values(), scope)
      for (const r of bundle.results) {
        expect(r.scannedBytes, r.report.name).toBeGreaterThan(0)
        if (r.report.name === 'backlog') {
          const total = r.rows.reduce((a, row) => a + Number(row.to_runnable), 0)
          expect(total).toBe(Object.values(workload.truth.queues).reduce((a, q) => a + (q.transitionsByStatus.RUNNABLE ?? 0), 0))
          continue
        }
        const e = expected[r.report.name]!
        expectRowsToMatch(r.report.name, r.rows, e.rows, e.key)
      }
      const cost = bundle.results.find((r) => r.report.name === 'cost-by-queue')!
      expect(cost.columns.map((c) => c.name)).toEqual(['job_queue', 'platform', 'pricing_class', 'jobs', 'vcpu_hours', 'memory_gib_hours', 'gpu_hours', 'cost_usd'])
      expect(cost.rows.find((r) => r.job_queue === 'spot-ec2')?.pricing_class).toBe('ec2-spot')
    } finally {
      client.destroy()
    }
  })
})
