import { describe, expect, it } from 'vitest'
import { createRng } from './createRng.js'
import { displaceRecords } from './displaceRecords.js'

describe('displaceRecords', () => {
  const items = Array.from({ length: 5000 }, (_, i) => i)

  it('leaves the order alone at fraction 0', () => {
    expect(displaceRecords(items, 0, 50, createRng(1))).toEqual({ items, displaced: 0 })
  })

  it('moves about the fraction asked, by at most maxShift', () => {
    const { items: out, displaced } = displaceRecords(items, 0.1, 50, createRng(2))
    expect([...out].sort((a, b) => a - b)).toEqual(items)
    expect(displaced).toBeGreaterThan(400)
    expect(displaced).toBeLessThan(600)
    out.forEach((v, i) => expect(i - v).toBeLessThanOrEqual(50))
    const late = out.filter((v, i) => i > v).length
    expect(late).toBeGreaterThan(0)
    expect(late).toBeLessThanOrEqual(displaced)
  })
})
