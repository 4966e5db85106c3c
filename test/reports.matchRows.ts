import { expect } from 'vitest'
import type { Expected } from './reports.expected.js'

const keyOf = (row: Record<string, unknown>, key: readonly string[]): string => JSON.stringify(key.map((k) => row[k] ?? null))

/**
 * Actual report rows equal the expected ones, matched by key columns: same number of
 * rows, equal strings and integers, floats within 1e-6 (relative), money to the cent.
 */
export function expectRowsToMatch(report: string, actual: readonly Record<string, unknown>[], expected: readonly Expected[], key: readonly string[]): void {
  const byKey = new Map(actual.map((r) => [keyOf(r, key), r]))
  expect(actual.length, `${report}: row count`).toBe(expected.length)
  expect(byKey.size, `${report}: distinct keys`).toBe(actual.length)
  for (const e of expected) {
    const a = byKey.get(keyOf(e, key))
    expect(a, `${report}: row ${keyOf(e, key)}`).toBeDefined()
    for (const [col, want] of Object.entries(e)) {
      const got = a?.[col]
      const where = `${report} ${keyOf(e, key)} ${col}`
      if (typeof want === 'number' && col.endsWith('_usd')) expect(Math.abs(Number(got) - want), `${where}: ${String(got)} vs ${want}`).toBeLessThan(0.005)
      else if (typeof want === 'number' && !Number.isInteger(want)) expect(Number(got), where).toBeCloseTo(want, Math.max(0, 6 - Math.ceil(Math.log10(Math.abs(want) + 1))))
      else if (typeof want === 'number') expect(Number(got), where).toBe(want)
      else expect(got, where).toEqual(want)
    }
  }
}
