/** One line of `bench/results.json`: a measured value, the floor measured in the same run, and their ratio. */
export interface BenchResult {
  name: string
  value: number
  unit: string
  floor?: number
  ratio?: number
  /** The target, when an issue names one (ratio ≥ target, or value ≤ target for memory). */
  target?: string
  met?: boolean
}

/** Runs `fn` until at least `minMs` elapsed (and at least once) and returns items per second. */
export function rate(items: number, fn: () => void, minMs = 1500): number {
  fn() // warm-up: JIT and caches
  let runs = 0
  const start = process.hrtime.bigint()
  let elapsed = 0
  do {
    fn()
    runs++
    elapsed = Number(process.hrtime.bigint() - start) / 1e6
  } while (elapsed < minMs)
  return (items * runs) / (elapsed / 1000)
}

export const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10
