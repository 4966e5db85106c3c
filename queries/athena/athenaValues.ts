/** Athena's text form of result values (GetQueryResults `VarCharValue`) and back. */

/** A JS value from the local engine as Athena prints it for a column of `type`. */
export function toAthenaText(value: unknown, type: string): string | undefined {
  if (value === null || value === undefined) return undefined
  if (type === 'timestamp' && typeof value === 'string' && value.endsWith('Z')) return value.slice(0, -1).replace('T', ' ')
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return `[${value.map((v) => toAthenaText(v, '') ?? 'null').join(', ')}]`
  if (typeof value === 'object') return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}=${toAthenaText(v, '') ?? 'null'}`).join(', ')}}`
  return String(value)
}

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'integer', 'int', 'bigint'])
const FLOAT_TYPES = new Set(['double', 'real', 'float', 'decimal'])

/**
 * A result cell as a typed JS value, from its Athena type: integers and floats → number
 * (bigints beyond 2^53 stay strings), boolean → boolean, timestamp → ISO string with Z,
 * date and everything else → the text as is. A missing value is null.
 */
export function fromAthenaText(text: string | undefined, type: string): unknown {
  if (text === undefined) return null
  const base = type.toLowerCase().replace(/\(.*$/, '')
  if (INTEGER_TYPES.has(base)) {
    const n = Number(text)
    return Number.isSafeInteger(n) ? n : text
  }
  if (FLOAT_TYPES.has(base)) {
    if (text === 'NaN') return Number.NaN
    if (text === 'Infinity') return Number.POSITIVE_INFINITY
    if (text === '-Infinity') return Number.NEGATIVE_INFINITY
    return Number(text)
  }
  if (base === 'boolean') return text === 'true'
  if (base === 'timestamp' && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/.test(text)) {
    const [whole, frac = ''] = text.split('.')
    return `${(whole as string).replace(' ', 'T')}.${frac.padEnd(3, '0').slice(0, 3)}Z`
  }
  return text
}

/** Athena's CSV result file: header and every value double-quoted (quotes doubled), NULL as an empty unquoted field. */
export function athenaCsv(columns: readonly { name: string; type: string }[], rows: readonly Record<string, unknown>[]): string {
  const field = (s: string | undefined): string => (s === undefined ? '' : `"${s.replaceAll('"', '""')}"`)
  const lines = [columns.map((c) => field(c.name)).join(',')]
  for (const row of rows) lines.push(columns.map((c) => field(toAthenaText(row[c.name], c.type))).join(','))
  return `${lines.join('\n')}\n`
}
