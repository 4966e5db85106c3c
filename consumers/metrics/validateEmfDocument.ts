import { MAX_METRIC_AGE_MS, MAX_METRIC_FUTURE_MS } from './timestampWindow.js'

/** The units CloudWatch accepts (StandardUnit). */
export const CLOUDWATCH_UNITS: ReadonlySet<string> = new Set([
  'Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes',
  'Bits', 'Kilobits', 'Megabits', 'Gigabits', 'Terabits', 'Percent', 'Count',
  'Bytes/Second', 'Kilobytes/Second', 'Megabytes/Second', 'Gigabytes/Second', 'Terabytes/Second',
  'Bits/Second', 'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second', 'Terabits/Second', 'Count/Second', 'None',
])

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isStr = (v: unknown, max: number): v is string => typeof v === 'string' && v.trim().length > 0 && v.length <= max

/**
 * Checks one EMF line against the embedded metric format specification and
 * CloudWatch's limits; returns the problems found (empty when valid). Used by the
 * tests and by anyone who wants to check lines before shipping them.
 */
export function validateEmfDocument(line: string, now: number = Date.now()): string[] {
  const problems: string[] = []
  let doc: unknown
  try {
    doc = JSON.parse(line)
  } catch (error) {
    return [`not JSON: ${(error as Error).message}`]
  }
  if (!isObj(doc)) return ['the document must be a JSON object']
  const aws = doc._aws
  if (!isObj(aws)) return ['_aws (the metadata object) is missing']
  const ts = aws.Timestamp
  if (typeof ts !== 'number' || !Number.isInteger(ts) || ts < 0) problems.push('_aws.Timestamp must be a non-negative integer (epoch milliseconds)')
  else {
    if (ts < now - MAX_METRIC_AGE_MS) problems.push(`_aws.Timestamp ${new Date(ts).toISOString()} is older than 14 days`)
    if (ts > now + MAX_METRIC_FUTURE_MS) problems.push(`_aws.Timestamp ${new Date(ts).toISOString()} is more than 2 hours ahead`)
  }
  const directives = aws.CloudWatchMetrics
  if (!Array.isArray(directives)) return [...problems, '_aws.CloudWatchMetrics must be an array']
  directives.forEach((dir: unknown, i) => {
    const at = `_aws.CloudWatchMetrics[${i}]`
    if (!isObj(dir)) return problems.push(`${at} must be an object`)
    for (const key of Object.keys(dir)) if (!['Namespace', 'Dimensions', 'Metrics'].includes(key)) problems.push(`${at} has a member ${key} the specification does not define`)
    if (!isStr(dir.Namespace, 255)) problems.push(`${at}.Namespace must be a string of 1–255 characters`)
    if (!Array.isArray(dir.Dimensions)) problems.push(`${at}.Dimensions must be an array of dimension sets`)
    else
      dir.Dimensions.forEach((set: unknown, j) => {
        if (!Array.isArray(set)) return problems.push(`${at}.Dimensions[${j}] must be an array`)
        if (set.length > 30) problems.push(`${at}.Dimensions[${j}] has ${set.length} dimensions; at most 30`)
        for (const name of set) {
          if (!isStr(name, 255)) problems.push(`${at}.Dimensions[${j}] holds ${JSON.stringify(name)}, not a dimension name of 1–255 characters`)
          else if (!isStr(doc[name], 1024)) problems.push(`dimension ${name} must be a top-level string of 1–1024 characters, got ${JSON.stringify(doc[name])}`)
        }
      })
    if (!Array.isArray(dir.Metrics)) return problems.push(`${at}.Metrics must be an array`)
    if (dir.Metrics.length > 100) problems.push(`${at}.Metrics has ${dir.Metrics.length} metrics; at most 100`)
    const seen = new Set<string>()
    dir.Metrics.forEach((m: unknown, k) => {
      const mat = `${at}.Metrics[${k}]`
      if (!isObj(m)) return problems.push(`${mat} must be an object`)
      for (const key of Object.keys(m)) if (!['Name', 'Unit', 'StorageResolution'].includes(key)) problems.push(`${mat} has a member ${key} the specification does not define`)
      if (!isStr(m.Name, 1024)) return problems.push(`${mat}.Name must be a string of 1–1024 characters`)
      if (seen.has(m.Name)) problems.push(`${mat}: metric ${m.Name} is listed twice`)
      seen.add(m.Name)
      if (m.Unit !== undefined && (typeof m.Unit !== 'string' || !CLOUDWATCH_UNITS.has(m.Unit))) problems.push(`${mat}.Unit ${JSON.stringify(m.Unit)} is not a CloudWatch unit`)
      if (m.StorageResolution !== undefined && m.StorageResolution !== 1 && m.StorageResolution !== 60) problems.push(`${mat}.StorageResolution must be 1 or 60`)
      const value = doc[m.Name]
      const values = Array.isArray(value) ? value : [value]
      if (values.length === 0 || values.length > 100) problems.push(`metric ${m.Name} has ${values.length} values; 1 to 100`)
      if (!values.every((v) => typeof v === 'number' && Number.isFinite(v))) problems.push(`metric ${m.Name} must be a top-level number or array of numbers, got ${JSON.stringify(value)?.slice(0, 80)}`)
    })
  })
  return problems
}
