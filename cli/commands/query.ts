import { type Command, Option } from 'commander'
import { formatBytes } from '../../queries/athena/queryCost.js'
import { openReportEngine } from '../../queries/openReportEngine.js'
import { renderMarkdown } from '../../queries/render/renderMarkdown.js'
import { renderRows } from '../../queries/render/renderTable.js'
import { addEngineOptions, engineOptionsOf, interruptSignal, type EngineFlags } from './report.js'

const FORMATS = ['table', 'json', 'csv', 'md'] as const

interface QueryFlags extends EngineFlags {
  format: (typeof FORMATS)[number]
  param?: string[]
}

export function registerQuery(program: Command): void {
  const cmd = program
    .command('query')
    .description('run SQL (Athena/Trino dialect) over the tables job_events, jobs, queue_minutes, dead_letters and the views jobs_deduped, job_events_deduped')
    .argument('<sql>', 'the SQL text; bind values with ? and --param')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('table'))
    .option('--param <value...>', 'values bound to the ? placeholders, in order (as strings)')
  addEngineOptions(cmd).action(async (sql: string, flags: QueryFlags) => {
    const opened = await openReportEngine(engineOptionsOf(flags))
    const interrupt = interruptSignal()
    try {
      const r = await opened.engine.run(sql, flags.param ?? [], interrupt.signal)
      process.stdout.write(`${flags.format === 'md' ? renderMarkdown(r.rows, r.columns.map((c) => c.name)) : renderRows(r.rows, flags.format)}\n`)
      if (r.scannedBytes !== undefined) process.stderr.write(`scanned ${formatBytes(r.scannedBytes)}${r.costUsd === undefined ? '' : ` (Athena: $${r.costUsd.toFixed(6)}; $5/TB, 10 MB minimum)`}\n`)
    } finally {
      interrupt.release()
      await opened.close()
    }
  })
}
