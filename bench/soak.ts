import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { createKinesisClient } from '../core/awsClients.js'
import { startLocalStack } from '../local/localStack.js'
import { type GeneratedRecord, generateWorkload } from '../producers/generator/generateWorkload.js'
import { putRecords } from '../producers/kinesisWriter.js'
import { type BenchResult, mb } from './benchResult.js'
import type { SoakSample } from './soakConsumer.js'

export interface SoakOptions {
  /** Seconds of steady load. Default `BATCHMETER_SOAK_SECONDS`, else 120. */
  seconds?: number
  /** Events per second put to Kinesis. Default `BATCHMETER_SOAK_RATE`, else 2,500 (a 10 M-jobs-a-day user is ≈ 700). */
  rate?: number
  /** Shards of the stream. Default 4 (≤ 1,000 records/s each, as on AWS). */
  shards?: number
  log?: (line: string) => void
}

/** Records to put, generated on demand in chunks of 5,000 jobs (each chunk its own seed, so job ids never repeat). */
function* records(): Generator<GeneratedRecord> {
  for (let seed = 1; ; seed++) yield* generateWorkload({ jobs: 5_000, seed, duplicates: 0.02, malformed: 0.001, jobsTruth: false }).records
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0

/**
 * The soak: the generator at a steady rate through kinesalite into a standalone
 * consumer process (S3 on s3rver), loopback only, for a bounded time. Prints a line
 * every 10 s (rates, lag, RSS) and returns the rates, the worst lag, and RSS at the start
 * of the steady state, its plateau and the end. RSS must plateau and lag stay bounded.
 */
export async function benchSoak(options: SoakOptions = {}): Promise<BenchResult[]> {
  const seconds = options.seconds ?? Number(process.env.BATCHMETER_SOAK_SECONDS ?? 120)
  const rate = options.rate ?? Number(process.env.BATCHMETER_SOAK_RATE ?? 2_500)
  const log = options.log ?? ((s: string) => void process.stderr.write(`${s}\n`))
  const stack = await startLocalStack({ streamName: 'soak', shardCount: options.shards ?? 4, bucket: 'soak' })
  const kinesis = createKinesisClient({}, stack.env)
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'soakConsumer.ts')], {
    env: { ...process.env, ...stack.env, BATCHMETER_STREAM: 'soak', BATCHMETER_BUCKET: 'soak', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const samples: (SoakSample & { produced: number })[] = []
  let produced = 0
  const lines = createInterface({ input: child.stdout })
  lines.on('line', (line) => {
    try {
      samples.push({ ...(JSON.parse(line) as SoakSample), produced })
    } catch {
      // not a sample
    }
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  try {
    const source = records()
    const started = Date.now()
    let nextReport = 10_000
    // Steady rate: every 100 ms, put what the clock says is due (catching up if a call was slow).
    while (Date.now() - started < seconds * 1000) {
      const due = Math.floor(((Date.now() - started) / 1000) * rate) - produced
      if (due > 0) {
        const batch: GeneratedRecord[] = []
        for (let i = 0; i < Math.min(due, rate); i++) batch.push(source.next().value as GeneratedRecord)
        await putRecords(kinesis, 'soak', batch)
        produced += batch.length
      }
      const elapsed = Date.now() - started
      if (elapsed >= nextReport) {
        const s = samples.at(-1)
        const back = samples.find((x) => x.t >= (s?.t ?? 0) - 10_000)
        const consumedRate = s && back && s.t > back.t ? ((s.records - back.records) * 1000) / (s.t - back.t) : 0
        log(`soak ${Math.round(elapsed / 1000)} s: produced ${produced.toLocaleString('en-US')} (${Math.round((produced * 1000) / elapsed).toLocaleString('en-US')}/s), consumed ${(s?.records ?? 0).toLocaleString('en-US')} (${Math.round(consumedRate).toLocaleString('en-US')}/s), backlog ${(produced - (s?.records ?? 0)).toLocaleString('en-US')} records, lag ${((s?.lagMs ?? 0) / 1000).toFixed(1)} s, RSS ${mb(s?.rss ?? 0)} MB, ${(s?.jobsInState ?? 0).toLocaleString('en-US')} jobs in state, ${s?.flushes ?? 0} flushes`)
        nextReport += 10_000
      }
      await new Promise((r) => setTimeout(r, 100))
    }
    // Let the consumer drain what is left, then stop it (it flushes and checkpoints).
    const drainBy = Date.now() + 30_000
    while (Date.now() < drainBy && (samples.at(-1)?.records ?? 0) < produced) await new Promise((r) => setTimeout(r, 250))
    child.kill('SIGTERM')
    await exited
  } finally {
    child.kill('SIGKILL')
    kinesis.destroy()
    await stack.stop()
  }
  const run = samples.filter((s) => !('done' in s))
  const end = samples.at(-1)
  const warm = run.filter((s) => s.t >= Math.min(20_000, (seconds * 1000) / 4))
  const third = Math.floor(warm.length / 3)
  const rssStart = warm[0]?.rss ?? 0
  const rssPlateau = median(warm.slice(third, 2 * third).map((s) => s.rss))
  const rssEnd = median(warm.slice(2 * third).map((s) => s.rss))
  const maxBacklogS = Math.max(0, ...warm.map((s) => (s.produced - s.records) / rate))
  const maxLagS = Math.max(0, ...warm.map((s) => s.lagMs / 1000))
  const consumedRate = warm.length > 1 ? ((warm.at(-1)!.records - warm[0]!.records) * 1000) / (warm.at(-1)!.t - warm[0]!.t) : 0
  const growth = rssPlateau > 0 ? rssEnd / rssPlateau : Infinity
  return [
    { name: `soak: events put to Kinesis (${seconds} s, ${options.shards ?? 4} shards)`, value: Math.round((produced * 1000) / (seconds * 1000)), unit: 'events/s', target: `≥ 2,000 (asked ${rate.toLocaleString('en-US')})`, met: produced / seconds >= 2000 },
    { name: 'soak: consumer rate in the steady state', value: Math.round(consumedRate), unit: 'events/s', floor: rate, ratio: consumedRate / rate, target: '≥ 0.95 of the put rate', met: consumedRate >= 0.95 * rate },
    { name: 'soak: worst backlog after warm-up (records behind ÷ rate)', value: Math.round(maxBacklogS * 10) / 10, unit: 's', target: '≤ 15 s', met: maxBacklogS <= 15 },
    { name: 'soak: worst Kinesis MillisBehindLatest after warm-up', value: Math.round(maxLagS * 10) / 10, unit: 's', target: '≤ 15 s', met: maxLagS <= 15 },
    { name: 'soak: consumer RSS at the start of the steady state', value: mb(rssStart), unit: 'MB' },
    { name: 'soak: consumer RSS plateau (median, middle third)', value: mb(rssPlateau), unit: 'MB' },
    { name: 'soak: consumer RSS at the end (median, last third)', value: mb(rssEnd), unit: 'MB', floor: mb(rssPlateau), ratio: growth, target: '≤ 1.15 × plateau', met: growth <= 1.15 },
    { name: 'soak: every put record consumed', value: end?.records ?? 0, unit: 'records', floor: produced, ratio: (end?.records ?? 0) / Math.max(1, produced), target: '= 1.00', met: (end?.records ?? 0) === produced },
  ]
}

if (process.argv[1]?.endsWith('soak.ts')) {
  for (const r of await benchSoak()) process.stdout.write(`${JSON.stringify(r)}\n`)
}
