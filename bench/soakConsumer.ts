/**
 * The consumer side of the soak (bench/soak.ts), in its own process so its RSS is its
 * own: the standalone consumer on the endpoints in the environment, printing one JSON
 * line a second (records, Kinesis lag, RSS, heap, jobs in state, flushes) until SIGTERM.
 */
import { createKinesisClient, createS3Client } from '../core/awsClients.js'
import { createS3ObjectStore } from '../consumers/sinks/s3ObjectStore.js'
import { startStandaloneConsumer } from '../consumers/standaloneConsumer.js'
import type { ConsumerProgress } from '../consumers/kinesisConsumer.js'

export interface SoakSample {
  t: number
  records: number
  lagMs: number
  rss: number
  heap: number
  jobsInState: number
  flushes: number
  deadLetters: number
}

const stream = process.env.BATCHMETER_STREAM ?? 'soak'
const bucket = process.env.BATCHMETER_BUCKET ?? 'soak'
const kinesis = createKinesisClient()
const s3 = createS3Client()
let last: ConsumerProgress | undefined
const consumer = await startStandaloneConsumer({
  kinesis,
  streamName: stream,
  objectStore: createS3ObjectStore({ client: s3, bucket }),
  flushIntervalMs: Number(process.env.SOAK_FLUSH_INTERVAL_MS ?? 10_000),
  // State leaves 30 s after its job ended (48 h in production), so a few minutes reach the steady state.
  storeOptions: { retainAfterTerminalMs: 30_000, maxAgeMs: 600_000 },
  onProgress: (p) => void (last = p),
})
const started = Date.now()
const sample = (): SoakSample => {
  const m = process.memoryUsage()
  return {
    t: Date.now() - started,
    records: last?.counters.records ?? 0,
    lagMs: Math.max(0, ...Object.values(last?.millisBehindLatest ?? {})),
    rss: m.rss,
    heap: m.heapUsed,
    jobsInState: last?.jobsInState ?? 0,
    flushes: last?.flushes ?? 0,
    deadLetters: last?.counters.deadLetters ?? 0,
  }
}
const timer = setInterval(() => process.stdout.write(`${JSON.stringify(sample())}\n`), 1000)
process.once('SIGTERM', () => void consumer.stop())
await consumer.done
clearInterval(timer)
process.stdout.write(`${JSON.stringify({ ...sample(), done: true })}\n`)
kinesis.destroy()
s3.destroy()
