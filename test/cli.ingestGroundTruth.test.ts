import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GroundTruth } from '../producers/generator/groundTruth.js'
import { runCli } from './helpers/runCli.js'

describe('batchmeter generate → ingest → query (real CLI processes)', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bm-cli-'))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('jobs, usage, dead letters and the summary line equal the generator’s ground truth with 10 % duplicates and reordering', async () => {
    const input = join(dir, 'day.ndjson')
    const truthFile = join(dir, 'truth.json')
    const gen = await runCli(['generate', '--jobs', '1500', '--seed', '3', '--duplicates', '0.1', '--reorder', '0.1', '--malformed', '0.005', '--out', input, '--truth', truthFile])
    expect(gen.code, gen.stderr).toBe(0)
    const truth = JSON.parse(await readFile(truthFile, 'utf8')) as GroundTruth

    const out = join(dir, 'tables')
    const ingest = await runCli(['ingest', '--input', input, '--output', out, '--quiet'])
    expect(ingest.code, ingest.stderr).toBe(0)
    const summary = JSON.parse(ingest.stdout) as Record<string, number>
    expect(summary).toMatchObject({
      records_read: truth.records,
      events_written: truth.uniqueEvents,
      duplicates_dropped: truth.duplicatesSameId + truth.duplicatesNewId,
      dead_letters: truth.malformed,
      skipped: truth.cloudtrail,
    })

    const q = await runCli([
      'query', '--data', out, '--format', 'json',
      `select job_queue, count(*) as jobs, count_if(status = 'SUCCEEDED') as succeeded, count_if(status = 'FAILED') as failed,
              sum(vcpu_seconds) as vcpu, sum(memory_gib_seconds) as mem, sum(gpu_seconds) as gpu, sum(greatest(attempts - 1, 0)) as retried,
              sum(wait_s) as wait_sum, count(wait_s) as wait_count
       from jobs where not is_array_parent group by job_queue order by job_queue`,
    ])
    expect(q.code, q.stderr).toBe(0)
    const rows = JSON.parse(q.stdout) as Record<string, number | string>[]
    const expected = Object.entries(truth.queues).filter(([, t]) => t.jobs > 0)
    expect(rows.map((r) => r.job_queue)).toEqual(expected.map(([name]) => name).sort())
    for (const [name, t] of expected) {
      const r = rows.find((row) => row.job_queue === name)!
      expect([r.jobs, r.succeeded, r.failed, r.retried, r.wait_count], name).toEqual([t.jobs, t.succeeded, t.failed, t.retriedAttempts, t.waitCount])
      expect(r.vcpu as number).toBeCloseTo(t.vcpuSeconds, 3)
      expect(r.mem as number).toBeCloseTo(t.memoryGibSeconds, 3)
      expect(r.gpu as number).toBeCloseTo(t.gpuSeconds, 3)
      expect(r.wait_sum as number).toBeCloseTo(t.waitSecondsSum, 3)
    }
    const blocked = await runCli(['query', '--data', out, '--format', 'json', "select job_queue, split_part(status_reason, ' - ', 1) as status_reason, count(*) as n from job_events where event_type = 'queue_blocked' group by 1, 2"])
    const blockedRows = JSON.parse(blocked.stdout) as { job_queue: string; status_reason: string; n: number }[]
    for (const [name, t] of Object.entries(truth.queues)) {
      for (const [reason, n] of Object.entries(t.blockedByReason)) expect(blockedRows.find((r) => r.job_queue === name && r.status_reason === reason)?.n, `${name} ${reason}`).toBe(n)
    }
  })

  it('a bad flag names itself and exits non-zero; a missing option says which', async () => {
    const bad = await runCli(['ingest', '--input', 'x.ndjson', '--output', dir, '--bogus'])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toMatch(/unknown option '--bogus'/)
    const rate = await runCli(['generate', '--jobs', '10', '--duplicates', '2', '--out', join(dir, 'x.ndjson')])
    expect(rate.code).not.toBe(0)
    expect(rate.stderr).toMatch(/--duplicates.*expected a rate from 0 to 1/)
    const missing = await runCli(['consume', '--bucket', 'my-bucket'])
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toMatch(/--stream <name>.*is required/)
    const badValue = await runCli(['consume', '--stream', 's', '--bucket', 'b'])
    expect(badValue.stderr).toMatch(/bucket \(flag --bucket\): .*>=3 characters/)
  })
})
