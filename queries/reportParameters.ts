import { BatchmeterError, ErrorCode } from '../core/errors.js'
import { DEFAULT_PRICES, type PriceTable } from '../core/priceTable.js'
import type { CannedReport, ReportParamName } from './loadReport.js'
import { ratesParameter } from './prices/ratesParameter.js'

export interface ReportParameters {
  /** First day (UTC, `YYYY-MM-DD`), inclusive. */
  from: string
  /** Last day (UTC, `YYYY-MM-DD`), inclusive. */
  to: string
  /** Queues to keep; empty for all. */
  queues?: readonly string[]
  /** Default `DEFAULT_PRICES`. */
  prices?: PriceTable
  /** Tag whose values `cost-by-tag` groups by. Default `team`. */
  tagKey?: string
}

const DAY = /^\d{4}-\d{2}-\d{2}$/

/** Whether a string is a real calendar day `YYYY-MM-DD`. */
export function isDay(s: string): boolean {
  if (!DAY.test(s)) return false
  const d = new Date(`${s}T00:00:00Z`)
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s
}

/** The queue list separator in the bound `queues` value; AWS Batch queue names never hold it. */
export const QUEUE_SEPARATOR = ','

/**
 * The values to bind, one per `?` of the report, from named parameters. Values are bound
 * (ExecutionParameters on Athena, prepared-statement parameters on DuckDB), never
 * spliced into the SQL text; they are checked here so a mistake fails with a clear message.
 */
export function reportParameterValues(report: Pick<CannedReport, 'name' | 'params'>, p: ReportParameters): string[] {
  for (const [key, value] of [['--from', p.from], ['--to', p.to]] as const) {
    if (!isDay(value)) throw new BatchmeterError(ErrorCode.Usage, `${key} must be a day as YYYY-MM-DD, got "${value}".`)
  }
  if (p.from > p.to) throw new BatchmeterError(ErrorCode.Usage, `--from (${p.from}) is after --to (${p.to}); swap them.`)
  const queues = p.queues ?? []
  for (const q of queues) {
    if (q === '' || q.includes(QUEUE_SEPARATOR)) throw new BatchmeterError(ErrorCode.Usage, `Queue name "${q}" is empty or holds "${QUEUE_SEPARATOR}"; give each queue as its own --queue value.`)
  }
  const values: Record<ReportParamName, () => string> = {
    from: () => p.from,
    to: () => p.to,
    queues: () => queues.join(QUEUE_SEPARATOR),
    prices: () => ratesParameter(p.prices ?? DEFAULT_PRICES),
    tag_key: () => p.tagKey ?? 'team',
  }
  return report.params.map((name) => values[name]())
}
