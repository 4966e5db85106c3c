import { DEFAULT_PRICES, type PriceTable } from '../core/priceTable.js'
import { listReports, loadReport, type CannedReport } from './loadReport.js'
import type { EngineResult, ReportEngine } from './reportEngine.js'
import { reportParameterValues, type ReportParameters } from './reportParameters.js'

export interface ReportResult extends EngineResult {
  report: Pick<CannedReport, 'name' | 'title' | 'description'>
}

export interface ReportBundle {
  engine: string
  parameters: Required<Omit<ReportParameters, 'prices'>> & { prices: PriceTable }
  generatedAt: string
  results: ReportResult[]
}

/** The order of `all`: the overview first, then cost, time, trouble, detail. Reports not named here follow, by name. */
export const REPORT_ORDER = [
  'usage-by-queue', 'cost-by-queue', 'usage-by-day', 'usage-by-definition', 'wait-time-percentiles', 'backlog',
  'failures', 'retries', 'cost-by-tag', 'cost-by-share', 'array-jobs',
] as const

/** Names a `report` argument stands for: one report, or every one for `all`. */
export function reportNames(nameOrAll: string): string[] {
  if (nameOrAll !== 'all') return [loadReport(nameOrAll).name]
  const available = listReports()
  return [...REPORT_ORDER.filter((n) => available.includes(n)), ...available.filter((n) => !(REPORT_ORDER as readonly string[]).includes(n))]
}

/** Runs reports one after the other (Athena bills per query; the local engine runs one at a time anyway). */
export async function runReports(engine: ReportEngine, names: readonly string[], parameters: ReportParameters, options: { signal?: AbortSignal; now?: () => Date; onReport?: (r: ReportResult) => void } = {}): Promise<ReportBundle> {
  const { signal, now = () => new Date(), onReport } = options
  const results: ReportResult[] = []
  for (const name of names) {
    const report = loadReport(name)
    const result = await engine.run(report.sql, reportParameterValues(report, parameters), signal)
    const r = { report: { name: report.name, title: report.title, description: report.description }, ...result }
    onReport?.(r)
    results.push(r)
  }
  return {
    engine: engine.name,
    parameters: { from: parameters.from, to: parameters.to, queues: parameters.queues ?? [], prices: parameters.prices ?? DEFAULT_PRICES, tagKey: parameters.tagKey ?? 'team' },
    generatedAt: now().toISOString(),
    results,
  }
}
