/**
 * A small seeded PRNG (mulberry32) with the draws the workload generator needs.
 * Streams: the same seed with a different `stream` gives an independent sequence,
 * so noise (duplicates, malformed records, reordering) never shifts the workload itself.
 */

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number
  /** Integer in [min, max], both included. */
  int(min: number, max: number): number
  chance(p: number): boolean
  pick<T>(items: readonly T[]): T
  weighted<T extends { readonly weight: number }>(items: readonly T[]): T
  /** Log-normal with the given median and log-space sigma. */
  logNormal(median: number, sigma: number): number
  exponential(mean: number): number
  /** `length` lowercase hex digits. */
  hex(length: number): string
  /** A random (version 4 style) UUID. */
  uuid(): string
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** splitmix32-style mixing, so that nearby seeds and streams give unrelated states. */
function mixSeed(seed: number, stream: number): number {
  let h = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

export function createRng(seed: number, stream = 0): Rng {
  let state = mixSeed(Math.trunc(seed) | 0, stream)

  const u32 = (): number => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return (t ^ (t >>> 14)) >>> 0
  }
  const next = (): number => u32() / 4294967296
  const normal = (): number => {
    const u = 1 - next()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next())
  }
  const hex8 = (): string => {
    const v = u32()
    return HEX[v >>> 24]! + HEX[(v >>> 16) & 255]! + HEX[(v >>> 8) & 255]! + HEX[v & 255]!
  }

  return {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => p > 0 && next() < p,
    pick: (items) => {
      if (items.length === 0) throw new RangeError('pick() needs at least one item')
      return items[Math.floor(next() * items.length)]!
    },
    weighted: (items) => {
      let total = 0
      for (const item of items) total += item.weight
      let r = next() * total
      for (const item of items) {
        r -= item.weight
        if (r < 0) return item
      }
      const last = items[items.length - 1]
      if (last === undefined) throw new RangeError('weighted() needs at least one item')
      return last
    },
    logNormal: (median, sigma) => median * Math.exp(sigma * normal()),
    exponential: (mean) => -mean * Math.log(1 - next()),
    hex: (length) => {
      let s = ''
      while (s.length < length) s += hex8()
      return s.slice(0, length)
    },
    uuid: () => {
      const a = hex8()
      const b = hex8()
      const c = hex8()
      const d = hex8()
      const variant = '89ab'[u32() & 3]!
      return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4)}${d}`
    },
  }
}
