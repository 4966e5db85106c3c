import type { Rng } from './createRng.js'

const HOUR = 3_600_000

/** Submissions per minute, relative, by UTC hour of day: a working-day hump and a nightly batch at 02:00. */
function diurnalWeight(hourOfDay: number): number {
  const dist = (a: number, b: number): number => Math.min(Math.abs(a - b), 24 - Math.abs(a - b))
  const day = Math.exp(-0.5 * (dist(hourOfDay, 13.5) / 3) ** 2)
  const nightly = 0.35 * Math.exp(-0.5 * (dist(hourOfDay, 2) / 0.5) ** 2)
  return 0.12 + day + nightly
}

/**
 * `count` submission times (epoch ms, ascending) spread over the window with a
 * diurnal curve. Sorted uniforms come from exponential spacings, so no sort is needed.
 */
export function submissionTimes(count: number, start: number, durationHours: number, rng: Rng): Float64Array {
  const bins = Math.max(1, Math.round(durationHours * 60))
  const binMs = (durationHours * HOUR) / bins
  const cdf = new Float64Array(bins + 1)
  for (let b = 0; b < bins; b++) {
    const hour = ((((start + (b + 0.5) * binMs) / HOUR) % 24) + 24) % 24
    cdf[b + 1] = cdf[b]! + diurnalWeight(hour)
  }
  const total = cdf[bins]!

  const spacings = new Float64Array(count + 1)
  let sum = 0
  for (let i = 0; i <= count; i++) {
    sum += rng.exponential(1)
    spacings[i] = sum
  }
  const out = new Float64Array(count)
  let b = 0
  for (let i = 0; i < count; i++) {
    const target = (spacings[i]! / sum) * total
    while (b < bins - 1 && cdf[b + 1]! < target) b++
    const lo = cdf[b]!
    const frac = (target - lo) / (cdf[b + 1]! - lo)
    out[i] = start + Math.floor((b + frac) * binMs)
  }
  return out
}

