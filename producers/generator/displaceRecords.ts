import type { Rng } from './createRng.js'

/**
 * Moves a `fraction` of the items later, each by 1..maxShift positions, the way
 * retries and parallel delivery reorder a stream; the others keep their order.
 */
export function displaceRecords<T>(items: ArrayLike<T>, fraction: number, maxShift: number, rng: Rng): { items: T[]; displaced: number } {
  if (fraction <= 0 || items.length < 2) return { items: Array.from(items), displaced: 0 }
  const n = items.length
  const keys = new Float64Array(n)
  let displaced = 0
  for (let i = 0; i < n; i++) {
    if (rng.chance(fraction)) {
      keys[i] = i + rng.int(1, maxShift) + 0.5
      displaced++
    } else {
      keys[i] = i
    }
  }
  const order = new Uint32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  order.sort((a, b) => keys[a]! - keys[b]! || a - b)
  return { items: Array.from(order, (i) => items[i]!), displaced }
}
