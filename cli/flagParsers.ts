import { InvalidArgumentError } from 'commander'

/** commander argParser for an integer within [min, max]; the error names the accepted range. */
export const intIn =
  (min: number, max: number) =>
  (value: string): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}, got "${value}".`)
    return n
  }

/** commander argParser for a rate in [0, 1]. */
export const rate = (value: string): number => {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`expected a rate from 0 to 1 (e.g. 0.1), got "${value}".`)
  return n
}

/** commander argParser for an ISO-8601 timestamp, as epoch ms. */
export const isoTime = (value: string): number => {
  const t = Date.parse(value)
  if (Number.isNaN(t)) throw new InvalidArgumentError(`expected an ISO-8601 time such as 2026-11-30T00:00:00Z, got "${value}".`)
  return t
}

/** commander argParser for an http(s) URL. */
export const url = (value: string): string => {
  try {
    const u = new URL(value)
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)')
    return value
  } catch {
    throw new InvalidArgumentError(`expected an http(s) URL such as http://127.0.0.1:4567, got "${value}".`)
  }
}
