/**
 * The scheduled-report Lambda: runs a set of canned reports on Athena for the previous
 * day, week or month, writes them to S3 (HTML page, JSON bundle, one CSV per report)
 * and optionally announces them on SNS. The schedule itself is infra's (infra/).
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns'
import { BatchmeterError, ErrorCode } from '../../core/errors.js'
import { DEFAULT_PRICES, type PriceTable } from '../../core/priceTable.js'
import { withRetry } from '../../core/retry.js'
import { formatBytes } from '../athena/queryCost.js'
import { renderBundle } from '../render/renderBundle.js'
import { renderRows } from '../render/renderTable.js'
import type { ReportEngine } from '../reportEngine.js'
import { reportNames, runReports, type ReportBundle } from '../runReports.js'
import { REPORT_PERIODS, previousPeriod, type ReportPeriod } from './reportPeriod.js'

export interface ReportHandlerDeps {
  engine: ReportEngine
  s3: Pick<S3Client, 'send'>
  sns?: Pick<SNSClient, 'send'>
  bucket: string
  prefix: string
  /** Default every canned report. */
  reports?: readonly string[]
  prices?: PriceTable
  topicArn?: string
  now?: () => Date
}

export interface ReportEvent {
  period?: ReportPeriod
  /** ISO time the period is taken before (default now); EventBridge Scheduler can pass `<aws.scheduler.scheduled-time>`. */
  time?: string
}

export interface ReportHandlerResult {
  period: ReportPeriod
  from: string
  to: string
  keys: string[]
  scannedBytes: number
  notified: boolean
}

const joinKey = (...parts: string[]): string => parts.map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')

function summary(bundle: ReportBundle, period: ReportPeriod, uris: string[]): string {
  const usage = bundle.results.find((r) => r.report.name === 'usage-by-queue')
  const cost = bundle.results.find((r) => r.report.name === 'cost-by-queue')
  const total = cost ? cost.rows.reduce((a, r) => a + Number(r.cost_usd ?? 0), 0) : undefined
  return [
    `batchmeter ${period} report, ${bundle.parameters.from} to ${bundle.parameters.to} (UTC).`,
    total === undefined ? '' : `Estimated compute cost: $${total.toFixed(2)} (usage × list prices; not your bill).`,
    usage ? `\n${renderRows(usage.rows.slice(0, 20), 'table')}` : '',
    '\nFiles:',
    ...uris,
  ].filter((l) => l !== '').join('\n')
}

export function createReportHandler(deps: ReportHandlerDeps) {
  const { engine, s3, sns, bucket, prefix, reports, prices = DEFAULT_PRICES, topicArn, now = () => new Date() } = deps
  return async (event: ReportEvent = {}): Promise<ReportHandlerResult> => {
    const period = event.period ?? 'daily'
    if (!(REPORT_PERIODS as readonly string[]).includes(period)) throw new BatchmeterError(ErrorCode.Usage, `event.period must be one of ${REPORT_PERIODS.join(', ')}, got ${JSON.stringify(period)}.`)
    const at = event.time ? new Date(event.time) : now()
    if (Number.isNaN(at.getTime())) throw new BatchmeterError(ErrorCode.Usage, `event.time ${JSON.stringify(event.time)} is not an ISO time.`)
    const { from, to } = previousPeriod(period, at)
    const names = reports && reports.length > 0 ? reports.flatMap(reportNames) : reportNames('all')
    const bundle = await runReports(engine, names, { from, to, prices }, { now })
    const folder = joinKey(prefix, 'reports', period, `${from}_${to}`)
    const files: [string, string, string][] = [
      ['report.html', renderBundle(bundle, 'html'), 'text/html; charset=utf-8'],
      ['report.json', renderBundle(bundle, 'json'), 'application/json'],
      ...bundle.results.map((r) => [`${r.report.name}.csv`, renderRows(r.rows, 'csv'), 'text/csv; charset=utf-8'] as [string, string, string]),
    ]
    const keys: string[] = []
    for (const [name, body, contentType] of files) {
      const key = `${folder}/${name}`
      await withRetry(() => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType })))
      keys.push(key)
    }
    let notified = false
    if (sns && topicArn) {
      const uris = keys.filter((k) => k.endsWith('.html') || k.endsWith('.json')).map((k) => `s3://${bucket}/${k}`)
      const scanned = bundle.results.reduce((a, r) => a + (r.scannedBytes ?? 0), 0)
      await withRetry(() =>
        sns.send(new PublishCommand({ TopicArn: topicArn, Subject: `batchmeter ${period} report ${from}${from === to ? '' : ` to ${to}`}`.slice(0, 99), Message: `${summary(bundle, period, uris)}\n\nAthena scanned ${formatBytes(scanned)}.` })),
      )
      notified = true
    }
    return { period, from, to, keys, scannedBytes: bundle.results.reduce((a, r) => a + (r.scannedBytes ?? 0), 0), notified }
  }
}
