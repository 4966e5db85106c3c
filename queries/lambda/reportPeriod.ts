import { BatchmeterError, ErrorCode } from '../../core/errors.js'

export const REPORT_PERIODS = ['daily', 'weekly', 'monthly'] as const
export type ReportPeriod = (typeof REPORT_PERIODS)[number]

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10)
const DAY_MS = 86_400_000

/**
 * The closed period before `at` (UTC): the previous day; the previous ISO week (Monday
 * to Sunday); the previous calendar month.
 */
export function previousPeriod(period: ReportPeriod, at: Date): { from: string; to: string } {
  const midnight = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate())
  switch (period) {
    case 'daily':
      return { from: day(midnight - DAY_MS), to: day(midnight - DAY_MS) }
    case 'weekly': {
      const sinceMonday = (at.getUTCDay() + 6) % 7
      const thisMonday = midnight - sinceMonday * DAY_MS
      return { from: day(thisMonday - 7 * DAY_MS), to: day(thisMonday - DAY_MS) }
    }
    case 'monthly': {
      const first = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1)
      return { from: day(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() - 1, 1)), to: day(first - DAY_MS) }
    }
    default:
      throw new BatchmeterError(ErrorCode.Usage, `period must be one of ${REPORT_PERIODS.join(', ')}, got ${JSON.stringify(period)}.`)
  }
}
