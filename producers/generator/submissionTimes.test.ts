import { describe, expect, it } from 'vitest'
import { createRng } from './createRng.js'
import { submissionTimes } from './submissionTimes.js'

describe('submissionTimes', () => {
  const start = Date.UTC(2026, 10, 30)

  it('gives sorted times inside the window', () => {
    const times = submissionTimes(10000, start, 24, createRng(1))
    expect(times).toHaveLength(10000)
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!)
    expect(times[0]!).toBeGreaterThanOrEqual(start)
    expect(times[times.length - 1]!).toBeLessThan(start + 24 * 3_600_000)
  })

  it('is busier in working hours than at night, with a nightly batch at 02:00', () => {
    const times = submissionTimes(50000, start, 24, createRng(2))
    const perHour = new Array<number>(24).fill(0)
    for (const t of times) perHour[Math.floor((t - start) / 3_600_000)]!++
    expect(perHour[14]!).toBeGreaterThan(3 * perHour[5]!)
    expect(perHour[2]!).toBeGreaterThan(1.5 * perHour[5]!)
  })

  it('works for short windows', () => {
    const times = submissionTimes(100, start, 0.01, createRng(3))
    expect(times[times.length - 1]!).toBeLessThan(start + 36_000)
  })
})
