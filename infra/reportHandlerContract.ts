/**
 * What the infra agrees on with the scheduled-report Lambda (queries/lambda/reportHandler.ts):
 * where it is, which files it reads at run time, the environment it reads and the
 * input the schedule sends. Everything the two sides share is here, in one place.
 */
import { ContextAttribute, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler'
import type { ReportEvent } from '../queries/lambda/createReportHandler.js'
import type { PriceTable } from '../core/priceTable.js'
import type { ReportSchedule } from './batchMeterProps.js'

export const REPORT_HANDLER = {
  /** Relative to the repository root. */
  entry: 'queries/lambda/reportHandler.ts',
  export: 'handler',
  /** The canned SQL is read from files at run time (queries/loadReport.ts, `./reports/` beside the module): shipped beside the bundle. */
  copyFiles: [{ from: 'queries/reports', to: 'reports' }],
} as const

export interface ReportEnvironmentInput {
  workGroup: string
  database: string
  bucket: string
  prefix: string
  topicArn: string | undefined
  reports: readonly string[] | undefined
  prices: PriceTable | undefined
}

export function reportEnvironment(i: ReportEnvironmentInput): Record<string, string> {
  return {
    BATCHMETER_ATHENA_WORKGROUP: i.workGroup,
    BATCHMETER_ATHENA_DATABASE: i.database,
    BATCHMETER_BUCKET: i.bucket,
    BATCHMETER_PREFIX: i.prefix,
    ...(i.topicArn ? { BATCHMETER_REPORT_TOPIC_ARN: i.topicArn } : {}),
    ...(i.reports?.length ? { BATCHMETER_REPORTS: i.reports.join(',') } : {}),
    ...(i.prices ? { BATCHMETER_PRICES_JSON: JSON.stringify(i.prices) } : {}),
  }
}

/**
 * The event the schedule sends: the period, and the time it was scheduled for (not the
 * time of a retry), so a retried run still reports on the same day, week or month.
 */
export function reportInput(schedule: ReportSchedule): ScheduleTargetInput {
  const event: Required<ReportEvent> = { period: schedule, time: ContextAttribute.scheduledTime }
  return ScheduleTargetInput.fromObject(event)
}
