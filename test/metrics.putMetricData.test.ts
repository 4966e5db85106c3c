import { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { type IncomingMessage, type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MetricAccumulator } from '../consumers/metrics/metricAccumulator.js'
import { MetricName, type MetricDatum } from '../consumers/metrics/metricSet.js'
import { createPutMetricDataPublisher } from '../consumers/metrics/putMetricDataPublisher.js'
import { isBatchmeterError } from '../core/errors.js'

interface Received {
  target: string
  bytes: number
  body: { Namespace: string; MetricData: { MetricName: string; Dimensions?: { Name: string; Value: string }[]; Timestamp?: number; Value?: number; Values?: number[]; Counts?: number[] }[] }
}

/** A loopback stand-in for CloudWatch's JSON endpoint: records each request as sent, throttles on demand. */
function fakeCloudWatch(): { server: Server; received: Received[]; throttleNext: { count: number }; denyAll: { on: boolean } } {
  const received: Received[] = []
  const throttleNext = { count: 0 }
  const denyAll = { on: false }
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      let raw = Buffer.concat(chunks)
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw)
      const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', ...headers })
        res.end(JSON.stringify(body))
      }
      if (denyAll.on) return reply(400, { __type: 'com.amazonaws.cloudwatch#AccessDenied', message: 'not authorized to perform cloudwatch:PutMetricData' }, { 'x-amzn-query-error': 'AccessDenied;Sender' })
      if (throttleNext.count > 0) {
        throttleNext.count--
        return reply(400, { __type: 'com.amazonaws.cloudwatch#Throttling', message: 'Rate exceeded' }, { 'x-amzn-query-error': 'Throttling;Sender' })
      }
      received.push({ target: String(req.headers['x-amz-target']), bytes: raw.length, body: JSON.parse(raw.toString('utf8')) as Received['body'] })
      reply(200, {})
    })
  })
  return { server, received, throttleNext, denyAll }
}

const T = Date.UTC(2026, 11, 1, 12, 0)

/** 2,600 sums over 26 queues × 100 minutes, plus one distribution of 400 distinct values. */
function bigData(): MetricDatum[] {
  const acc = new MetricAccumulator()
  for (let q = 0; q < 26; q++) for (let m = 0; m < 100; m++) acc.sum(MetricName.JobsSucceeded, { JobQueue: `queue-${q}` }, T + m * 60_000, q + 1)
  for (let i = 0; i < 400; i++) acc.sample(MetricName.WaitTime, { JobQueue: 'queue-0' }, T, i / 4, (i % 3) + 1)
  return acc.data()
}

describe('PutMetricData publisher against a loopback CloudWatch', () => {
  let fake: ReturnType<typeof fakeCloudWatch>
  let client: CloudWatchClient
  beforeAll(async () => {
    fake = fakeCloudWatch()
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve))
    const { port } = fake.server.address() as AddressInfo
    client = new CloudWatchClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, requestHandler: new NodeHttpHandler(), maxAttempts: 1 })
  })
  afterAll(async () => {
    client.destroy()
    await new Promise((resolve) => fake.server.close(resolve))
  })

  it('batches within 1,000 metrics, 1 MB and 150 values per metric, retries throttles, and loses nothing', async () => {
    fake.received.length = 0
    fake.throttleNext.count = 2
    const publisher = createPutMetricDataPublisher({ client, namespace: 'Batchmeter/Test', now: () => T + 3600_000, retry: { minDelayMs: 5, maxDelayMs: 20 } })
    const result = await publisher.publish(bigData())
    expect(result.rejected).toEqual([])

    expect(fake.received.length).toBeGreaterThanOrEqual(3)
    for (const r of fake.received) {
      expect(r.target).toBe('GraniteServiceVersion20100801.PutMetricData')
      expect(r.body.Namespace).toBe('Batchmeter/Test')
      expect(r.body.MetricData.length).toBeLessThanOrEqual(1000)
      expect(r.bytes).toBeLessThan(1_000_000)
      for (const d of r.body.MetricData) {
        expect(d.Values?.length ?? 1).toBeLessThanOrEqual(150)
        expect(d.Counts?.length).toBe(d.Values?.length)
        if (d.Values) expect(new Set(d.Values).size).toBe(d.Values.length)
      }
    }
    const all = fake.received.flatMap((r) => r.body.MetricData)
    const succeeded = all.filter((d) => d.MetricName === 'JobsSucceeded')
    expect(succeeded).toHaveLength(2600)
    expect(succeeded.reduce((s, d) => s + d.Value!, 0)).toBe(100 * ((26 * 27) / 2))
    const wait = all.filter((d) => d.MetricName === 'WaitTime')
    expect(wait).toHaveLength(3) // 400 distinct values → 150 + 150 + 100
    const n = wait.reduce((s, d) => s + d.Counts!.reduce((a, b) => a + b, 0), 0)
    const sum = wait.reduce((s, d) => s + d.Values!.reduce((a, v, i) => a + v * d.Counts![i]!, 0), 0)
    const expected = Array.from({ length: 400 }, (_, i) => ({ v: i / 4, c: (i % 3) + 1 }))
    expect(n).toBe(expected.reduce((s, e) => s + e.c, 0))
    expect(sum).toBeCloseTo(expected.reduce((s, e) => s + e.v * e.c, 0), 6)
    expect(wait[0]!.Timestamp).toBe(T / 1000)
    expect(wait[0]!.Dimensions).toEqual([{ Name: 'JobQueue', Value: 'queue-0' }])
  })

  it('leaves out what CloudWatch would reject (older than 14 days) and says why', async () => {
    fake.received.length = 0
    const acc = new MetricAccumulator()
    acc.sum(MetricName.JobsFailed, { JobQueue: 'q' }, T - 15 * 86_400_000, 1)
    acc.sum(MetricName.JobsFailed, { JobQueue: 'q' }, T, 2)
    const result = await createPutMetricDataPublisher({ client, namespace: 'N', now: () => T }).publish(acc.data())
    expect(result.rejected).toHaveLength(1)
    expect(result.rejected[0]!.reason).toMatch(/older than 14 days/)
    expect(fake.received.flatMap((r) => r.body.MetricData).map((d) => d.Value)).toEqual([2])
  })

  it('a permission error is not retried and names what to check', async () => {
    fake.denyAll.on = true
    try {
      const acc = new MetricAccumulator()
      acc.sum(MetricName.JobsFailed, { JobQueue: 'q' }, T, 1)
      const error = await createPutMetricDataPublisher({ client, namespace: 'N', now: () => T, retry: { minDelayMs: 5 } })
        .publish(acc.data())
        .then(() => undefined, (e: unknown) => e)
      expect(isBatchmeterError(error)).toBe(true)
      expect((error as Error).message).toMatch(/cloudwatch:PutMetricData/)
      expect((error as { retriable: boolean }).retriable).toBe(false)
    } finally {
      fake.denyAll.on = false
    }
  })
})
