import { describe, expect, it } from 'vitest'
import { createRng } from './createRng.js'
import { isoSecond, withEventId } from './renderEnvelope.js'

describe('isoSecond', () => {
  it('matches Date#toISOString to the second, leap years and month ends included', () => {
    const rng = createRng(1)
    const fixed = [0, Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(2026, 11, 31, 23, 59, 59), Date.UTC(2100, 1, 28, 12), Date.UTC(2000, 1, 29), 253402300799999]
    for (const ms of [...fixed, ...Array.from({ length: 20000 }, () => Math.floor(rng.uniform(0, 4.1e12)))]) {
      expect(isoSecond(ms)).toBe(`${new Date(ms).toISOString().slice(0, 19)}Z`)
    }
  })
})

describe('withEventId', () => {
  it('replaces the envelope id only', () => {
    const json = '{"version":"0","id":"c8f9c4b5-76e5-d76a-f980-7011e206042b","detail-type":"x"}'
    expect(withEventId(json, '00000000-0000-4000-8000-000000000000')).toBe('{"version":"0","id":"00000000-0000-4000-8000-000000000000","detail-type":"x"}')
  })
})
