import { readFileSync } from 'node:fs'
import { Command, CommanderError } from 'commander'
import { isBatchmeterError } from '../core/errors.js'
import { registerCompact } from './commands/compact.js'
import { registerConsume } from './commands/consume.js'
import { registerDemo } from './commands/demo.js'
import { registerGenerate } from './commands/generate.js'
import { registerIngest } from './commands/ingest.js'
import { registerQuery } from './commands/query.js'
import { registerReport } from './commands/report.js'

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

export function buildCli(): Command {
  const program = new Command('batchmeter')
    .description('AWS Batch usage and cost analytics: EventBridge → Kinesis → Parquet on S3, metrics and reports')
    .version(packageVersion(), '--version', 'print the batchmeter version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
  for (const register of [registerDemo, registerGenerate, registerConsume, registerIngest, registerQuery, registerReport, registerCompact]) register(program)
  return program
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildCli().parseAsync(argv)
    return 0
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode
    if (isBatchmeterError(error)) {
      process.stderr.write(`batchmeter: ${error.message} [${error.code}]\n`)
      return 2
    }
    process.stderr.write(`batchmeter: ${(error as Error)?.stack ?? String(error)}\n`)
    return 1
  }
}

process.exitCode = await main(process.argv)
