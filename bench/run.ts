import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Table from 'cli-table3'
import { generateWorkload } from '../producers/generator/generateWorkload.js'
import type { BenchResult } from './benchResult.js'
import { benchConsumerThroughput } from './consumerThroughput.js'
import { benchParquetWriters } from './parquetWriters.js'
import { JobStateStore } from '../consumers/pipeline/jobStateStore.js'
import { Pipeline } from '../consumers/pipeline/processRecords.js'
import { benchSoak } from './soak.js'
import { benchQueryScan } from './queryScan.js'

/** `npm run bench`: every benchmark in one run; writes bench/results.json and prints a table. */
async function main(): Promise<void> {
  const results: BenchResult[] = []
  const log = (s: string): boolean => process.stderr.write(`${s}\n`)

  log('generating 20,000 jobs of events…')
  const { records } = generateWorkload({ jobs: 20_000, seed: 1, duplicates: 0.05, jobsTruth: false })
  const events = records.filter((r) => r.kind !== 'malformed')
  log(`consumer throughput over ${events.length} records…`)
  results.push(...benchConsumerThroughput(events))

  // The Parquet writer choice, measured on the job_events rows of the same records.
  const pipeline = new Pipeline({ store: new JobStateStore(), now: () => 0 })
  events.forEach((r, i) => pipeline.processRecord({ data: r.data, shardId: 'bench', sequenceNumber: String(i) }))
  const { jobEvents } = pipeline.drain()
  log(`Parquet writers over ${jobEvents.length} job_events rows…`)
  results.push(...(await benchParquetWriters(jobEvents)))

  log('state store memory with 1,000,000 active jobs (child process)…')
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(import.meta.dirname, 'stateStoreMemory.ts'), '1000000'], { encoding: 'utf8' })
  const mem = JSON.parse(out) as { rssMb: number; heapMb: number; baselineRssMb: number }
  results.push({ name: 'RSS with 1 M active jobs in the state store', value: mem.rssMb, unit: 'MB', floor: mem.baselineRssMb, ratio: mem.rssMb / mem.baselineRssMb, target: '≤ 300 MB', met: mem.rssMb <= 300 })

  log('usage-by-queue over a month of 1,000,000 jobs on the local engine…')
  results.push(...(await benchQueryScan({ log })))

  const soakSeconds = Number(process.env.BATCHMETER_SOAK_SECONDS ?? 120)
  log(`soak: ${soakSeconds} s of steady load through kinesalite into a consumer process (BATCHMETER_SOAK_SECONDS, BATCHMETER_SOAK_RATE; 0 s skips it)…`)
  if (soakSeconds > 0) results.push(...(await benchSoak({ seconds: soakSeconds, log })))

  writeFileSync(join(import.meta.dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`)
  const table = new Table({ head: ['benchmark', 'value', 'unit', 'floor', 'ratio', 'target', 'met'], colAligns: ['left', 'right', 'left', 'right', 'right', 'left', 'left'] })
  for (const r of results) {
    table.push([r.name, r.value.toLocaleString('en-US'), r.unit, r.floor?.toLocaleString('en-US') ?? '', r.ratio === undefined ? '' : r.ratio.toFixed(2), r.target ?? '', r.met === undefined ? '' : r.met ? 'yes' : 'NO'])
  }
  process.stdout.write(`${table.toString()}\n`)
}

await main()
