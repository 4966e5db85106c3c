import { JobStateStore } from '../consumers/pipeline/jobStateStore.js'
import { applyJobStateEvent } from '../consumers/pipeline/applyEvent.js'
import type { JobStateEvent } from '../producers/model/batchEvent.js'
import { mb } from './benchResult.js'

/**
 * RSS with `jobs` active jobs in the state store, each RUNNING after RUNNABLE and
 * STARTING (three transitions seen). Run in a child process so nothing else is in the heap:
 * `tsx bench/stateStoreMemory.ts 1000000` prints one JSON line.
 */
function measure(jobs: number): { jobs: number; rssMb: number; heapMb: number; baselineRssMb: number } {
  globalThis.gc?.()
  const baseline = process.memoryUsage().rss
  const store = new JobStateStore()
  const event = { type: 'job-state', status: 'RUNNABLE', attempt: 0, jobQueue: 'ondemand-ec2' } as JobStateEvent
  for (let i = 0; i < jobs; i++) {
    // Real job ids are UUIDs (36 chars); build distinct strings of that length.
    const jobId = `${i.toString(16).padStart(8, '0')}-5a7e-4c1b-9f0d-6e2a3b4c5d6e`
    for (const status of ['RUNNABLE', 'STARTING', 'RUNNING'] as const) applyJobStateEvent(store, { ...event, jobId, status }, 0)
  }
  // Let V8 collect the garbage of building the store and give pages back, as a long-running consumer would.
  for (let i = 0; i < 3; i++) globalThis.gc?.()
  const m = process.memoryUsage()
  if (store.size !== jobs) throw new Error(`store holds ${store.size} jobs, expected ${jobs}`)
  return { jobs, rssMb: mb(m.rss), heapMb: mb(m.heapUsed), baselineRssMb: mb(baseline) }
}

if (process.argv[1]?.endsWith('stateStoreMemory.ts')) {
  process.stdout.write(`${JSON.stringify(measure(Number(process.argv[2] ?? 1_000_000)))}\n`)
}
