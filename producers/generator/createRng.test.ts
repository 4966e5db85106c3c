import { describe, expect, it } from 'vitest'
import { createRng } from './createRng.js'

describe('createRng', () => {
  it('repeats a sequence for a seed and stream, and not across streams', () => {
    const draw = (seed: number, stream: number): number[] => {
      const rng = createRng(seed, stream)
      return Array.from({ length: 5 }, () => rng.next())
    }
    expect(draw(7, 0)).toEqual(draw(7, 0))
    expect(draw(7, 1)).not.toEqual(draw(7, 0))
    expect(draw(8, 0)).not.toEqual(draw(7, 0))
  })

  it('draws within bounds', () => {
    const rng = createRng(3)
    const ints = new Set<number>()
    for (let i = 0; i < 5000; i++) {
      const v = rng.int(2, 5)
      ints.add(v)
      const u = rng.next()
      expect(u).toBeGreaterThanOrEqual(0)
      expect(u).toBeLessThan(1)
    }
    expect([...ints].sort()).toEqual([2, 3, 4, 5])
  })

  it('makes UUIDs and hex of the right form', () => {
    const rng = createRng(4)
    for (let i = 0; i < 200; i++) {
      expect(rng.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      expect(rng.hex(17)).toMatch(/^[0-9a-f]{17}$/)
    }
  })

  it('has the median it is asked for', () => {
    const rng = createRng(5)
    const xs = Array.from({ length: 20001 }, () => rng.logNormal(60, 1)).sort((a, b) => a - b)
    expect(xs[10000]!).toBeGreaterThan(55)
    expect(xs[10000]!).toBeLessThan(65)
  })
})
