import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { estimateCost } from '../core/priceTable.js'
import { ingestFile, type IngestSummary } from '../consumers/ingestFile.js'
import { createEmfFilePublisher } from '../consumers/metrics/emfFilePublisher.js'
import { createReplayMetrics, type ReplayMetricsSummary } from '../consumers/metrics/createReplayMetrics.js'
import { resolveMetricsConfig } from '../consumers/metrics/metricsConfig.js'
import { validateEmfDocument } from '../consumers/metrics/validateEmfDocument.js'
import { createDirObjectStore } from '../consumers/sinks/dirObjectStore.js'
import { generateWorkload, type Workload } from '../producers/generator/generateWorkload.js'
import { writeNdjson } from '../producers/ndjsonFile.js'
import { emfTotals, seriesKey } from './helpers/emfTotals.js'

const START = Date.UTC(2026, 10, 1)
/** The reference clock: the workload's events are all within CloudWatch's 14-day window of it. */
const NOW = START + 3 * 86_400_000

describe('--metrics-out: EMF lines of a replay, against the generator ground truth', () => {
  let dir: string
  let workload: Workload
  let lines: string[]
  let summary: IngestSummary
  let metrics: ReplayMetricsSummary

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bm-metrics-'))
    workload = generateWorkload({ jobs: 500, seed: 11, start: START, durationHours: 24, duplicates: 0.1, reorder: 0.1, malformed: 0.02 })
    const input = join(dir, 'events.ndjson')
    await writeNdjson(input, workload.records)
    const config = resolveMetricsConfig({ namespace: 'Batchmeter/Test' })
    const replay = createReplayMetrics({ publisher: createEmfFilePublisher({ path: join(dir, 'metrics.ndjson'), namespace: config.namespace, now: () => NOW }), config, now: () => NOW })
    summary = await ingestFile({ input, store: createDirObjectStore(join(dir, 'out')), batchRecords: 700, now: () => NOW, onFlushed: replay.onFlushed })
    metrics = await replay.finish()
    lines = (await readFile(join(dir, 'metrics.ndjson'), 'utf8')).split('\n').filter((l) => l !== '')
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('every line is a valid EMF document within CloudWatch limits', () => {
    expect(lines.length).toBeGreaterThan(100)
    expect(metrics.rejected).toBe(0)
    const problems = lines.flatMap((l, i) => validateEmfDocument(l, NOW).map((p) => `line ${i + 1}: ${p}`))
    expect(problems).toEqual([])
    for (const l of lines) expect(Buffer.byteLength(l)).toBeLessThan(256 * 1024)
  })

  it('per-queue counts, usage, cost and wait/run distributions add up to the ground truth', () => {
    const totals = emfTotals(lines)
    const get = (name: string, queue: string) => totals.get(seriesKey(name, { JobQueue: queue }))
    const sum = (name: string, queue: string) => get(name, queue)?.sum ?? 0
    let checkedQueues = 0
    for (const [queue, t] of Object.entries(workload.truth.queues)) {
      if (t.jobs === 0) continue
      checkedQueues++
      expect(sum('JobsSucceeded', queue), `${queue} succeeded`).toBe(t.succeeded)
      expect(sum('JobsFailed', queue), `${queue} failed`).toBe(t.failed)
      expect(sum('JobsSubmitted', queue), `${queue} submitted`).toBe(t.jobs)
      expect(sum('JobsStarted', queue), `${queue} started`).toBe(t.transitionsByStatus.RUNNING ?? 0)
      expect(sum('RetriedAttempts', queue), `${queue} retried`).toBe(t.retriedAttempts)
      expect(sum('VcpuSeconds', queue)).toBeCloseTo(t.vcpuSeconds, 3)
      expect(sum('MemoryGiBSeconds', queue)).toBeCloseTo(t.memoryGibSeconds, 3)
      expect(sum('GpuSeconds', queue)).toBeCloseTo(t.gpuSeconds, 3)
      expect(sum('WaitTime', queue)).toBeCloseTo(t.waitSecondsSum, 3)
      expect(get('WaitTime', queue)?.count ?? 0).toBe(t.waitCount)
      expect(sum('RunTime', queue)).toBeCloseTo(t.runSecondsSum, 3)
      expect(get('RunTime', queue)?.count ?? 0).toBe(t.runCount)
      const blocked = Object.values(t.blockedByReason).reduce((a, b) => a + b, 0)
      expect(sum('QueueBlocked', queue)).toBe(blocked)
      for (const [reason, n] of Object.entries(t.blockedByReason)) expect(totals.get(seriesKey('QueueBlocked', { JobQueue: queue, Reason: reason }))?.sum, `${queue} ${reason}`).toBe(n)
      const cost = [...workload.jobsTruth.values()]
        .filter((j) => j.job_queue === queue && !j.is_array_parent)
        .reduce(
          (s, j) =>
            s + estimateCost({ queue, platform: j.platform, cpuArchitecture: j.cpu_architecture, vcpuSeconds: j.vcpu_seconds, memoryGibSeconds: j.memory_gib_seconds, gpuSeconds: j.gpu_seconds }),
          0,
        )
      expect(sum('EstimatedCost', queue)).toBeCloseTo(cost, 6)
    }
    expect(checkedQueues).toBeGreaterThanOrEqual(4)
  })

  it('pipeline health counts every record, duplicate and dead letter', () => {
    const totals = emfTotals(lines)
    const health = (name: string) => totals.get(seriesKey(name, { Pipeline: 'batchmeter' }))?.sum
    expect(health('RecordsIn')).toBe(workload.truth.records)
    expect(health('RecordsIn')).toBe(summary.records)
    expect(health('DeadLetters')).toBe(workload.truth.malformed)
    expect(health('DuplicatesDropped')).toBe(workload.truth.duplicatesSameId + workload.truth.duplicatesNewId)
  })

  it('gauges: one value per queue and minute, never negative, back to zero once every job has ended', () => {
    const totals = emfTotals(lines)
    for (const name of ['RunnableJobs', 'RunningJobs']) {
      let series = 0
      for (const [key, s] of totals) {
        if (!key.startsWith(`${name}|`)) continue
        series++
        for (const values of s.byTimestamp.values()) expect(values.length).toBe(1)
        for (const v of s.byTimestamp.values()) expect(v[0]).toBeGreaterThanOrEqual(0)
        const last = Math.max(...s.timestamps)
        expect(s.byTimestamp.get(last)).toEqual([0])
      }
      expect(series).toBeGreaterThanOrEqual(4)
    }
    // Someone was RUNNING at some point in every busy queue.
    const running = [...totals].filter(([k]) => k.startsWith('RunningJobs|')).map(([, s]) => Math.max(...[...s.byTimestamp.values()].map((v) => v[0]!)))
    expect(Math.max(...running)).toBeGreaterThan(0)
  })

  it('timestamps are the events\' own minutes, not the processing time', () => {
    const stamps = lines.map((l) => (JSON.parse(l) as { _aws: { Timestamp: number } })._aws.Timestamp)
    const eventStamps = stamps.filter((t) => t !== NOW)
    expect(eventStamps.length).toBeGreaterThan(0)
    for (const t of eventStamps) {
      expect(t % 60_000).toBe(0)
      expect(t).toBeGreaterThanOrEqual(START - 86_400_000)
      expect(t).toBeLessThan(START + 2 * 86_400_000)
    }
  })
})
