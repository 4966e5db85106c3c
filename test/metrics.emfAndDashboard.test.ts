import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ingestFile } from '../consumers/ingestFile.js'
import { buildAlarms } from '../consumers/metrics/buildAlarms.js'
import { buildDashboard } from '../consumers/metrics/buildDashboard.js'
import { createEmfFilePublisher } from '../consumers/metrics/emfFilePublisher.js'
import { createReplayMetrics } from '../consumers/metrics/createReplayMetrics.js'
import { EMF_LIMITS, formatEmf } from '../consumers/metrics/formatEmf.js'
import { MetricAccumulator } from '../consumers/metrics/metricAccumulator.js'
import { type MetricsConfig, resolveMetricsConfig } from '../consumers/metrics/metricsConfig.js'
import { METRIC_NAMES, MetricName } from '../consumers/metrics/metricSet.js'
import { validateEmfDocument } from '../consumers/metrics/validateEmfDocument.js'
import { createDirObjectStore } from '../consumers/sinks/dirObjectStore.js'
import { isBatchmeterError } from '../core/errors.js'
import { generateWorkload } from '../producers/generator/generateWorkload.js'
import { writeNdjson } from '../producers/ndjsonFile.js'
import { emfSchemas, emfTotals, seriesKey } from './helpers/emfTotals.js'

const T = Date.UTC(2026, 10, 20, 8, 0)

describe('formatEmf', () => {
  const config = resolveMetricsConfig()

  it('spreads a long distribution over documents of at most 100 values, keeping every value', () => {
    const acc = new MetricAccumulator()
    for (let i = 0; i < 180; i++) acc.sample(MetricName.WaitTime, { JobQueue: 'q' }, T, i, 2) // 360 values
    acc.sum(MetricName.JobsSucceeded, { JobQueue: 'q' }, T, 360)
    const { lines, rejected } = formatEmf(acc.data(), { namespace: config.namespace, now: T })
    expect(rejected).toEqual([])
    expect(lines).toHaveLength(4)
    for (const l of lines) expect(validateEmfDocument(l, T)).toEqual([])
    const wait = emfTotals(lines).get(seriesKey('WaitTime', { JobQueue: 'q' }))!
    expect(wait.count).toBe(360)
    expect(wait.sum).toBe(2 * ((179 * 180) / 2))
    expect(emfTotals(lines).get(seriesKey('JobsSucceeded', { JobQueue: 'q' }))!.sum).toBe(360)
    // A metric appears at most once per document.
    for (const l of lines) {
      const names = (JSON.parse(l) as { _aws: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] } })._aws.CloudWatchMetrics[0]!.Metrics.map((m) => m.Name)
      expect(new Set(names).size).toBe(names.length)
      expect(names.length).toBeLessThanOrEqual(EMF_LIMITS.metricsPerDocument)
    }
  })

  it('rejects timestamps CloudWatch would drop, with the reason', () => {
    const acc = new MetricAccumulator()
    acc.sum(MetricName.JobsFailed, { JobQueue: 'q' }, T - 15 * 86_400_000, 1)
    acc.sum(MetricName.JobsFailed, { JobQueue: 'q' }, T + 3 * 3600_000, 1)
    acc.sum(MetricName.JobsFailed, { JobQueue: 'q' }, T - 13 * 86_400_000, 1)
    const { lines, rejected } = formatEmf(acc.data(), { namespace: 'N', now: T })
    expect(lines).toHaveLength(1)
    expect(rejected.map((r) => r.reason)).toEqual([expect.stringMatching(/older than 14 days/), expect.stringMatching(/more than 2 h ahead/)])
  })

  it('the validator catches what the specification forbids', () => {
    const good = formatEmf([{ name: 'JobsFailed', unit: 'Count', dimensions: { JobQueue: 'q' }, timestamp: T, values: [1], counts: [1] }], { namespace: 'N', now: T }).lines[0]!
    expect(validateEmfDocument(good, T)).toEqual([])
    const doc = JSON.parse(good) as Record<string, unknown> & { _aws: { Timestamp: number; CloudWatchMetrics: { Metrics: { Name: string; Unit?: string }[] }[] } }
    const bad = (mutate: (d: typeof doc) => void): string[] => {
      const copy = structuredClone(doc)
      mutate(copy)
      return validateEmfDocument(JSON.stringify(copy), T)
    }
    expect(bad((d) => delete d.JobQueue)).toEqual([expect.stringMatching(/dimension JobQueue/)])
    expect(bad((d) => (d.JobsFailed = Array.from({ length: 101 }, () => 1)))).toEqual([expect.stringMatching(/101 values/)])
    expect(bad((d) => (d._aws.CloudWatchMetrics[0]!.Metrics[0]!.Unit = 'Dollars'))).toEqual([expect.stringMatching(/not a CloudWatch unit/)])
    expect(bad((d) => (d._aws.Timestamp = T - 20 * 86_400_000))).toEqual([expect.stringMatching(/older than 14 days/)])
    expect(bad((d) => (d.JobsFailed = 'one'))).toEqual([expect.stringMatching(/number/)])
  })

  it('configuration errors name the bad value', () => {
    const attempt = (o: Parameters<typeof resolveMetricsConfig>[0]) => {
      try {
        resolveMetricsConfig(o)
        return undefined
      } catch (e) {
        expect(isBatchmeterError(e)).toBe(true)
        return (e as Error).message
      }
    }
    expect(attempt({ namespace: 'AWS/Batch' })).toMatch(/AWS\//)
    expect(attempt({ queueDimension: 'RunTime' })).toMatch(/also a metric name/)
    expect(attempt({ extraDimensions: { JobQueue: 'x' } })).toMatch(/clashes/)
  })
})

describe('dashboard and alarms refer only to metrics the publishers emit', () => {
  let dir: string
  let lines: string[]
  let config: MetricsConfig
  let queues: string[]
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bm-dash-'))
    const workload = generateWorkload({ jobs: 300, seed: 3, start: T - 86_400_000, durationHours: 12, malformed: 0.01, duplicates: 0.05 })
    queues = Object.entries(workload.truth.queues).filter(([, t]) => t.jobs > 0).map(([q]) => q)
    await writeNdjson(join(dir, 'in.ndjson'), workload.records)
    config = resolveMetricsConfig({ namespace: 'Batchmeter/Dash', extraDimensions: { Environment: 'test' }, byDefinition: true })
    const replay = createReplayMetrics({ publisher: createEmfFilePublisher({ path: join(dir, 'm.ndjson'), namespace: config.namespace, now: () => T }), config, now: () => T })
    await ingestFile({ input: join(dir, 'in.ndjson'), store: createDirObjectStore(join(dir, 'out')), now: () => T, onFlushed: replay.onFlushed })
    await replay.finish()
    lines = (await readFile(join(dir, 'm.ndjson'), 'utf8')).split('\n').filter(Boolean)
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('emits every metric of the set, per definition too, with the extra dimension', () => {
    const schemas = emfSchemas(lines)
    const names = new Set([...schemas].map((s) => s.split('|')[0]))
    expect([...names].sort()).toEqual([...METRIC_NAMES].sort().filter((n) => n !== 'IteratorAgeMs')) // a replay has no stream to lag behind
    expect(schemas.has('JobsSucceeded|{Environment,JobDefinition,JobQueue}')).toBe(true)
    expect(schemas.has('QueueBlocked|{Environment,JobQueue,Reason}')).toBe(true)
    for (const l of lines) expect(validateEmfDocument(l, T)).toEqual([])
  })

  it('every dashboard widget reads an emitted metric under its emitted dimensions', () => {
    const body = buildDashboard({ config, region: 'us-east-1' })
    const text = JSON.stringify(body)
    expect(text.length).toBeLessThan(100_000)
    // The standalone consumer and the Lambda emit IteratorAgeMs with the pipeline dimensions; the replay does not.
    const emitted = new Set([...emfSchemas(lines), 'IteratorAgeMs|{Environment,Pipeline}'])
    const refs: string[] = []
    for (const w of body.widgets) {
      if (w.type !== 'metric') continue
      const ids = new Set<string>()
      for (const m of w.properties.metrics) {
        const last = m[m.length - 1] as Record<string, unknown>
        if (typeof m[0] === 'object') {
          const { expression, id } = m[0] as { expression: string; id: string }
          expect(id).toMatch(/^[a-z][a-zA-Z0-9_]*$/)
          expect(ids.has(id)).toBe(false)
          ids.add(id)
          for (const s of expression.matchAll(/SEARCH\('\{([^}]*)\} MetricName="([^"]+)"((?: "[^"]+"="[^"]+")*)'/g)) {
            const schema = s[1]!.split(',').map((x) => x.replace(/^"|"$/g, ''))
            expect(schema[0]).toBe(config.namespace)
            expect(s[3]).toContain('"Environment"="test"')
            refs.push(`${s[2]}|{${schema.slice(1).sort().join(',')}}`)
          }
          // Ids an expression uses must be defined in the same widget.
          for (const used of expression.replace(/SEARCH\('[^']*'[^)]*\)/g, '').match(/\b[a-z][a-zA-Z0-9_]*\b/g) ?? []) {
            if (['FILL', 'REPEAT', 'SUM', 'PERIOD', 'IF', 'AND'].includes(used.toUpperCase())) continue
            expect(ids.has(used), `${w.properties.title}: ${used}`).toBe(true)
          }
        } else {
          const [ns, name, ...rest] = m as string[]
          expect(ns).toBe(config.namespace)
          const dims = rest.slice(0, -1)
          refs.push(`${name}|{${dims.filter((_, i) => i % 2 === 0).sort().join(',')}}`)
          expect(last).toHaveProperty('stat')
        }
      }
    }
    expect(refs.length).toBeGreaterThan(15)
    const missing = refs.filter((r) => !emitted.has(r))
    expect(missing).toEqual([])
    // The widgets cover backlog, wait percentiles, success/failure, vCPU, cost and pipeline health.
    for (const name of ['RunnableJobs', 'WaitTime', 'JobsFailed', 'VcpuSeconds', 'EstimatedCost', 'DeadLetters', 'IteratorAgeMs']) expect(refs.some((r) => r.startsWith(`${name}|`))).toBe(true)
  })

  it('every alarm reads an emitted metric of a real queue', () => {
    const alarms = buildAlarms({ config, queues, alarmActions: ['arn:aws:sns:us-east-1:123456789012:batchmeter'] })
    const totals = emfTotals(lines)
    expect(alarms.map((a) => a.AlarmName)).toContain(`batchmeter-${queues[0]}-runnable-backlog`)
    expect(alarms).toHaveLength(queues.length * 2 + 2)
    const emitted = new Set([...emfSchemas(lines), 'IteratorAgeMs|{Environment,Pipeline}'])
    for (const a of alarms) {
      const metrics = a.Metrics?.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric!] : [])) ?? [{ Namespace: a.Namespace, MetricName: a.MetricName, Dimensions: a.Dimensions }]
      expect(a.Metrics?.filter((m) => m.ReturnData).length ?? 1).toBe(1)
      for (const m of metrics) {
        expect(m.Namespace).toBe(config.namespace)
        const dims = Object.fromEntries((m.Dimensions ?? []).map((d) => [d.Name!, d.Value!]))
        expect(emitted.has(`${m.MetricName}|{${Object.keys(dims).sort().join(',')}}`), `${a.AlarmName} ${m.MetricName}`).toBe(true)
        if (dims.JobQueue) expect(totals.has(seriesKey(m.MetricName!, dims)), `${a.AlarmName}: ${m.MetricName} ${JSON.stringify(dims)}`).toBe(true)
      }
    }
  })
})
