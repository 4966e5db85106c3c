import type { Command } from 'commander'
import { COMPACTABLE_TABLES, compactPartition, type CompactableTable } from '../../consumers/compaction/compactPartition.js'
import { createDirObjectStore } from '../../consumers/sinks/dirObjectStore.js'
import { createS3ObjectStore } from '../../consumers/sinks/s3ObjectStore.js'
import { createS3Client } from '../../core/awsClients.js'
import { BatchmeterError, ErrorCode } from '../../core/errors.js'
import { url } from '../flagParsers.js'

interface CompactFlags {
  date: string
  table: string
  bucket?: string
  data?: string
  prefix: string
  region?: string
  s3EndpointUrl?: string
}

export function registerCompact(program: Command): void {
  program
    .command('compact')
    .description('rewrite a day of small Parquet files into one large file per table, sorted by time and deduped; idempotent, safe while the consumer writes')
    .requiredOption('--date <day>', 'the day (UTC, YYYY-MM-DD)')
    .option('--table <table>', `${COMPACTABLE_TABLES.join(', ')} or all`, 'all')
    .option('--bucket <bucket>', 'S3 bucket of the tables')
    .option('--data <dir>', 'or a local folder of tables (as written by ingest)')
    .option('--prefix <prefix>', 'key prefix of the tables', '')
    .option('--region <region>', 'AWS region (else AWS_REGION)')
    .option('--s3-endpoint-url <url>', 'S3 endpoint (else AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL)', url)
    .action(async (flags: CompactFlags) => {
      if (!flags.bucket === !flags.data) throw new BatchmeterError(ErrorCode.Usage, 'give exactly one of --bucket <bucket> or --data <dir>.')
      const tables = flags.table === 'all' ? [...COMPACTABLE_TABLES] : [flags.table as CompactableTable]
      const client = flags.bucket ? createS3Client({ region: flags.region, endpoint: flags.s3EndpointUrl }) : undefined
      const store = client && flags.bucket ? createS3ObjectStore({ client, bucket: flags.bucket }) : createDirObjectStore(flags.data as string)
      try {
        for (const table of tables) {
          const r = await compactPartition({ store, prefix: flags.prefix, table, dt: flags.date })
          process.stderr.write(
            r.skipped
              ? `compact ${table} ${flags.date}: nothing to do (${r.skipped})\n`
              : `compact ${table} ${flags.date}: ${r.inputFiles} files, ${r.inputRows} rows → 1 file, ${r.outputRows} rows (${r.duplicatesDropped} duplicates dropped), ${r.bytesBefore} → ${r.bytesAfter} bytes\n`,
          )
          process.stdout.write(`${JSON.stringify(r)}\n`)
        }
      } finally {
        client?.destroy()
      }
    })
}
