import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import type { PublishCommand, SNSClient } from '@aws-sdk/client-sns'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ingestFile } from '../consumers/ingestFile.js'
import { createS3ObjectStore } from '../consumers/sinks/s3ObjectStore.js'
import { createAthenaClient, createS3Client } from '../core/awsClients.js'
import { startLocalStack, type LocalStack } from '../local/localStack.js'
import { generateWorkload, type Workload } from '../producers/generator/generateWorkload.js'
import { writeNdjson } from '../producers/ndjsonFile.js'
import { createAthenaRunner } from '../queries/athena/athenaRunner.js'
import { createReportHandler } from '../queries/lambda/createReportHandler.js'
import { previousPeriod } from '../queries/lambda/reportPeriod.js'
import { athenaReportEngine } from '../queries/reportEngine.js'

let stack: LocalStack
let s3: S3Client
let workload: Workload
let dir: string

beforeAll(async () => {
  stack = await startLocalStack({ bucket: 'scheduled', athena: true, athenaPrefix: 'bm' })
  s3 = createS3Client({ endpoint: stack.s3Endpoint, region: stack.region })
  dir = await mkdtemp(join(tmpdir(), 'bm-sched-'))
  workload = generateWorkload({ jobs: 300, seed: 4 })
  await writeNdjson(join(dir, 'e.ndjson'), workload.records)
  await ingestFile({ input: join(dir, 'e.ndjson'), store: createS3ObjectStore({ client: s3, bucket: stack.bucket }), prefix: 'bm' })
})
afterAll(async () => {
  s3?.destroy()
  await stack?.stop()
  await rm(dir, { recursive: true, force: true })
})

describe('scheduled reports', () => {
  it('periods: the previous day, ISO week and calendar month', () => {
    const at = new Date('2026-12-03T06:00:00Z') // a Thursday
    expect(previousPeriod('daily', at)).toEqual({ from: '2026-12-02', to: '2026-12-02' })
    expect(previousPeriod('weekly', at)).toEqual({ from: '2026-11-23', to: '2026-11-29' })
    expect(previousPeriod('monthly', at)).toEqual({ from: '2026-11-01', to: '2026-11-30' })
    expect(previousPeriod('monthly', new Date('2027-01-01T00:00:00Z'))).toEqual({ from: '2026-12-01', to: '2026-12-31' })
  })

  it('runs the reports on Athena for the previous day, writes them to S3 and notifies SNS', async () => {
    const published: PublishCommand['input'][] = []
    const sns = { send: async (c: PublishCommand) => (published.push(c.input), { MessageId: '1' }) } as unknown as Pick<SNSClient, 'send'>
    const athena = createAthenaClient({ endpoint: stack.athenaEndpoint, region: stack.region })
    try {
      const handler = createReportHandler({
        engine: athenaReportEngine(createAthenaRunner({ client: athena, outputLocation: `s3://${stack.bucket}/bm/athena-results/`, pollMinMs: 10 })),
        s3,
        sns,
        topicArn: 'arn:aws:sns:us-east-1:123456789012:reports',
        bucket: stack.bucket,
        prefix: 'bm',
        reports: ['usage-by-queue', 'cost-by-queue'],
      })
      const result = await handler({ period: 'daily', time: '2026-12-01T06:00:00Z' })
      expect(result).toMatchObject({ period: 'daily', from: '2026-11-30', to: '2026-11-30', notified: true })
      expect(result.keys).toEqual([
        'bm/reports/daily/2026-11-30_2026-11-30/report.html',
        'bm/reports/daily/2026-11-30_2026-11-30/report.json',
        'bm/reports/daily/2026-11-30_2026-11-30/usage-by-queue.csv',
        'bm/reports/daily/2026-11-30_2026-11-30/cost-by-queue.csv',
      ])
      const json = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: stack.bucket, Key: result.keys[1] }))).Body!.transformToString()) as { results: { report: string; rows: { job_queue: string; jobs: number }[] }[] }
      const usage = json.results.find((r) => r.report === 'usage-by-queue')!
      const day = [...workload.jobsTruth.values()].filter((j) => !j.is_array_parent && new Date(j.stopped_at).toISOString().startsWith('2026-11-30'))
      expect(usage.rows.reduce((a, r) => a + r.jobs, 0)).toBe(day.length)
      const html = await (await s3.send(new GetObjectCommand({ Bucket: stack.bucket, Key: result.keys[0] }))).Body!.transformToString()
      expect(html).toContain('<title>batchmeter report · 2026-11-30 to 2026-11-30</title>')
      expect(published).toHaveLength(1)
      expect(published[0]?.Subject).toBe('batchmeter daily report 2026-11-30')
      expect(published[0]?.Message).toMatch(/Estimated compute cost: \$\d+\.\d\d/)
      expect(published[0]?.Message).toContain(`s3://${stack.bucket}/bm/reports/daily/2026-11-30_2026-11-30/report.html`)
    } finally {
      athena.destroy()
    }
  })
})
