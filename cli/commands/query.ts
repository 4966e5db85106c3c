import type { Command, Option } from 'commander'
import { createLocalEngine } from '../../queries/localEngine.js'
import { renderRows } from '../../queries/render/renderTable.js'

const FORMATS = ['table', 'json', 'csv'] as const

export function registerQuery(program: Command): void {
  program
    .command('query')
    .description('run SQL over the tables (job_events, jobs, queue_minutes, dead_letters) of a local folder')
    .argument('<sql>', 'the SQL text; bind values with ? and --param')
    .requiredOption('--data <dir>', 'folder holding <table>/dt=…/*.parquet (as written by ingest, or synced from S3)')
    .addOption(formatOption(program))
    .option('--param <value...>', 'values bound to the ? placeholders, in order')
    .action(async (sql: string, opts: { data: string; format: (typeof FORMATS)[number]; param?: string[] }) => {
      const engine = await createLocalEngine({ dataDir: opts.data })
      try {
        const rows = await engine.query(sql, opts.param ?? [])
        process.stdout.write(`${renderRows(rows, opts.format)}\n`)
      } finally {
        await engine.close()
      }
    })
}

function formatOption(program: Command): Option {
  return program.createOption('--format <format>', 'output format').choices(FORMATS).default('table')
}
