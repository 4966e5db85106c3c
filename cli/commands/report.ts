import { writeFile } from 'node:fs/promises'
import { type Command, Option } from 'commander'
import { BatchmeterError, ErrorCode } from '../../core/errors.js'
import { DEFAULT_PRICES, loadPriceTable } from '../../core/priceTable.js'
import { athenaQueryCost, formatBytes } from '../../queries/athena/queryCost.js'
import { ENGINES, openReportEngine, type EngineName, type OpenReportEngineOptions } from '../../queries/openReportEngine.js'
import { BUNDLE_FORMATS, renderBundle, type BundleFormat } from '../../queries/render/renderBundle.js'
import { isDay } from '../../queries/reportParameters.js'
import { reportNames, runReports } from '../../queries/runReports.js'
import { url } from '../flagParsers.js'

export interface EngineFlags {
  engine?: EngineName
  data?: string
  bucket?: string
  prefix?: string
  region?: string
  workgroup?: string
  outputLocation?: string
  database?: string
  athenaEndpointUrl?: string
  s3EndpointUrl?: string
}

/** The flags choosing and configuring the engine, shared by `report` and `query`. */
export function addEngineOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--engine <engine>', 'athena, or local (DuckDB); default: local with --data, else athena').choices(ENGINES))
    .option('--data <dir>', 'local engine: folder holding <table>/dt=…/ files (as written by ingest, or synced from S3)')
    .option('--bucket <bucket>', 'local engine without --data: mirror the tables from this S3 bucket first')
    .option('--prefix <prefix>', 'key prefix of the tables in --bucket', '')
    .option('--region <region>', 'AWS region (else AWS_REGION)')
    .option('--workgroup <name>', 'Athena workgroup', 'primary')
    .option('--output-location <s3uri>', 'Athena result location, s3://bucket/prefix/ (else the workgroup\'s)')
    .option('--database <name>', 'Glue database of the tables', 'batchmeter')
    .option('--athena-endpoint-url <url>', 'Athena endpoint (else AWS_ENDPOINT_URL_ATHENA / AWS_ENDPOINT_URL), e.g. the local one', url)
    .option('--s3-endpoint-url <url>', 'S3 endpoint for --bucket (else AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL)', url)
}

export function engineOptionsOf(f: EngineFlags): OpenReportEngineOptions {
  return {
    ...(f.engine ? { engine: f.engine } : {}),
    ...(f.data ? { data: f.data } : {}),
    ...(f.bucket ? { bucket: f.bucket } : {}),
    prefix: f.prefix ?? '',
    ...(f.region ? { region: f.region } : {}),
    workGroup: f.workgroup ?? 'primary',
    ...(f.outputLocation ? { outputLocation: f.outputLocation } : {}),
    database: f.database ?? 'batchmeter',
    ...(f.athenaEndpointUrl ? { athenaEndpoint: f.athenaEndpointUrl } : {}),
    ...(f.s3EndpointUrl ? { s3Endpoint: f.s3EndpointUrl } : {}),
  }
}

/** An AbortSignal that fires on the first SIGINT/SIGTERM (a second one exits at once); `release()` removes the handlers. */
export function interruptSignal(): { signal: AbortSignal; release(): void } {
  const controller = new AbortController()
  let count = 0
  const onSignal = (): void => {
    if (++count > 1) process.exit(130)
    process.stderr.write('\nstopping: cancelling the running query (press Ctrl-C again to quit at once)\n')
    controller.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    signal: controller.signal,
    release() {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    },
  }
}

interface ReportFlags extends EngineFlags {
  from?: string
  to?: string
  queue?: string[]
  format: BundleFormat
  out?: string
  prices?: string
  tag: string
}

const yesterday = (): string => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)
const daysBefore = (day: string, n: number): string => new Date(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10)

export function registerReport(program: Command): void {
  const cmd = program
    .command('report')
    .description('run a canned report (or all) over the tables: usage, estimated cost, failures, wait times, backlog, array jobs, retries')
    .argument('<name>', 'report name, or "all"; see --list')
    .option('--from <day>', 'first day (UTC, YYYY-MM-DD); default: 7 days before --to')
    .option('--to <day>', 'last day (UTC, YYYY-MM-DD); default: yesterday')
    .option('--queue <name...>', 'only these job queues')
    .addOption(new Option('--format <format>', 'output format').choices(BUNDLE_FORMATS).default('table'))
    .option('--out <file>', 'write the output to this file instead of stdout')
    .option('--prices <file>', 'price file (JSON) overriding the default list prices; see README, Reports (prices)')
    .option('--tag <key>', 'tag whose values cost-by-tag groups by', 'team')
  addEngineOptions(cmd).action(async (name: string, flags: ReportFlags) => {
    const to = flags.to ?? yesterday()
    const from = flags.from ?? daysBefore(to, 6)
    for (const [flag, v] of [['--from', from], ['--to', to]] as const) if (!isDay(v)) throw new BatchmeterError(ErrorCode.Usage, `${flag} must be a day as YYYY-MM-DD, got "${v}".`)
    const names = reportNames(name)
    const prices = flags.prices ? loadPriceTable(flags.prices) : DEFAULT_PRICES
    const opened = await openReportEngine(engineOptionsOf(flags))
    const interrupt = interruptSignal()
    try {
      const bundle = await runReports(opened.engine, names, { from, to, queues: flags.queue ?? [], prices, tagKey: flags.tag }, {
        signal: interrupt.signal,
        onReport: (r) => process.stderr.write(`report ${r.report.name}: ${r.rows.length} rows${r.scannedBytes === undefined ? '' : `, scanned ${formatBytes(r.scannedBytes)} (Athena: $${(r.costUsd ?? athenaQueryCost(r.scannedBytes)).toFixed(6)}; $5/TB, 10 MB minimum)`}\n`),
      })
      const text = renderBundle(bundle, flags.format)
      if (flags.out) {
        await writeFile(flags.out, text)
        process.stderr.write(`wrote ${flags.out}\n`)
      } else process.stdout.write(text)
    } finally {
      interrupt.release()
      await opened.close()
    }
  })
}
