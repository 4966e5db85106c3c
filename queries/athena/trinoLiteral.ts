/**
 * Values as Trino SQL literals, for Athena `ExecutionParameters`: Athena substitutes each
 * parameter as a literal, so a string must arrive quoted with its quotes doubled. The
 * local endpoint parses them back with `parseTrinoLiteral` and binds the value; anything
 * that is not a single literal is refused, as Athena refuses it.
 */
import { BatchmeterError, ErrorCode } from '../../core/errors.js'

/** A JS value as a Trino literal: strings quoted (`'` doubled), finite numbers, booleans, NULL, Dates as TIMESTAMP. */
export function toTrinoLiteral(value: unknown, index = 0): string {
  if (value === null || value === undefined) return 'NULL'
  if (typeof value === 'string') return `'${value.replaceAll("'", "''")}'`
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE'
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new BatchmeterError(ErrorCode.Usage, `Query parameter ${index + 1} is ${value}; pass a finite number.`)
    // DOUBLE literals need an exponent in Trino (1.5 is a DECIMAL); integers stay integers.
    return Number.isInteger(value) ? String(value) : value.toExponential().replace('e+', 'E').replace('e-', 'E-')
  }
  if (value instanceof Date) return `TIMESTAMP '${value.toISOString().replace('T', ' ').replace('Z', '')}'`
  throw new BatchmeterError(ErrorCode.Usage, `Query parameter ${index + 1} is a ${typeof value}; pass a string, number, boolean, bigint, Date or null.`)
}

export type LiteralValue = string | number | boolean | null | Date

/** A literal back to its value; undefined when the text is not exactly one supported literal. */
export function parseTrinoLiteral(text: string): LiteralValue | undefined {
  const t = text.trim()
  const quoted = /^'((?:[^']|'')*)'$/
  const str = quoted.exec(t)
  if (str) return (str[1] as string).replaceAll("''", "'")
  if (/^NULL$/i.test(t)) return null
  if (/^TRUE$/i.test(t)) return true
  if (/^FALSE$/i.test(t)) return false
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(t)) return Number(t)
  const typed = /^(DATE|TIMESTAMP)\s+('(?:[^']|'')*')$/i.exec(t)
  if (typed) {
    const inner = (typed[2] as string).slice(1, -1).replaceAll("''", "'")
    if (/^date$/i.test(typed[1] as string)) return /^\d{4}-\d{2}-\d{2}$/.test(inner) ? inner : undefined
    const d = new Date(`${inner.replace(' ', 'T')}Z`)
    return Number.isNaN(d.getTime()) ? undefined : d
  }
  return undefined
}
