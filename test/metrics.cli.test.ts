import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { validateEmfDocument } from '../consumers/metrics/validateEmfDocument.js'
import { generateWorkload } from '../producers/generator/generateWorkload.js'
import { writeNdjson } from '../producers/ndjsonFile.js'
import { emfTotals, seriesKey } from './helpers/emfTotals.js'
import { createKinesisClient } from '../core/awsClients.js'
import { startLocalStack } from '../local/localStack.js'
import { putRecords } from '../producers/kinesisWriter.js'
import { runCli } from './helpers/runCli.js'

describe('batchmeter ingest / consume with metrics', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bm-cli-metrics-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('writes valid EMF lines whose sums equal the ground truth', async () => {
    const start = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000
    const { records, truth } = generateWorkload({ jobs: 120, seed: 5, start, durationHours: 6, malformed: 0.02 })
    await writeNdjson(join(dir, 'recent.ndjson'), records)
    const out = join(dir, 'recent.metrics.ndjson')
    const r = await runCli(['ingest', '--input', join(dir, 'recent.ndjson'), '--output', join(dir, 'out1'), '--metrics-out', out, '--namespace', 'Acme/Batch', '--quiet'])
    expect(r.code, r.stderr).toBe(0)
    const summary = JSON.parse(r.stdout) as Record<string, number>
    expect(summary.metrics_published).toBeGreaterThan(0)
    expect(summary.metrics_rejected).toBe(0)
    const lines = (await readFile(out, 'utf8')).split('\n').filter(Boolean)
    expect(lines.flatMap((l) => validateEmfDocument(l))).toEqual([])
    expect(new Set(lines.map((l) => (JSON.parse(l) as { _aws: { CloudWatchMetrics: { Namespace: string }[] } })._aws.CloudWatchMetrics[0]!.Namespace))).toEqual(new Set(['Acme/Batch']))
    const totals = emfTotals(lines)
    for (const [queue, t] of Object.entries(truth.queues)) {
      if (t.jobs === 0) continue
      expect(totals.get(seriesKey('JobsSucceeded', { JobQueue: queue }))?.sum, queue).toBe(t.succeeded)
      expect(totals.get(seriesKey('JobsFailed', { JobQueue: queue }))?.sum ?? 0, queue).toBe(t.failed)
    }
    expect(totals.get(seriesKey('DeadLetters', { Pipeline: 'batchmeter' }))?.sum).toBe(truth.malformed)
  })

  it('leaves out values older than CloudWatch takes, and says so', async () => {
    const { records } = generateWorkload({ jobs: 20, seed: 6, start: Date.UTC(2025, 0, 1), durationHours: 2 })
    await writeNdjson(join(dir, 'old.ndjson'), records)
    const out = join(dir, 'old.metrics.ndjson')
    const r = await runCli(['ingest', '--input', join(dir, 'old.ndjson'), '--output', join(dir, 'out2'), '--metrics-out', out, '--quiet'])
    expect(r.code, r.stderr).toBe(0)
    const summary = JSON.parse(r.stdout) as Record<string, number>
    expect(summary.metrics_rejected).toBeGreaterThan(0)
    expect(r.stderr).toMatch(/left out .* older than 14 days/)
    // Only the pipeline-health values (processing time) remain.
    const lines = (await readFile(out, 'utf8')).split('\n').filter(Boolean)
    expect(lines.length).toBeGreaterThan(0)
    for (const l of lines) expect(l).toContain('"Pipeline"')
  })

  it('consume --metrics-out writes the standalone consumer\'s EMF lines', async () => {
    const stack = await startLocalStack({ streamName: 'cli-metrics', shardCount: 1, bucket: 'cli-metrics' })
    const kinesis = createKinesisClient({}, stack.env)
    try {
      const start = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000
      const { records, truth } = generateWorkload({ jobs: 60, seed: 8, start, durationHours: 3 })
      await putRecords(kinesis, stack.streamName, records)
      const out = join(dir, 'consume.metrics.ndjson')
      const r = await runCli(
        ['consume', '--stream', stack.streamName, '--bucket', stack.bucket, '--until-idle', '--idle-ms', '500', '--metrics-out', out, '--log-level', 'silent'],
        stack.env,
      )
      expect(r.code, r.stderr).toBe(0)
      const lines = (await readFile(out, 'utf8')).split('\n').filter(Boolean)
      expect(lines.flatMap((l) => validateEmfDocument(l))).toEqual([])
      const totals = emfTotals(lines)
      const succeeded = Object.keys(truth.queues).reduce((s, q) => s + (totals.get(seriesKey('JobsSucceeded', { JobQueue: q }))?.sum ?? 0), 0)
      expect(succeeded).toBe(Object.values(truth.queues).reduce((s, t) => s + t.succeeded, 0))
      expect([...totals.keys()].some((k) => k.startsWith('RunnableJobs|'))).toBe(true)
    } finally {
      kinesis.destroy()
      await stack.stop()
    }
  })
})
