import { writeFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { createKinesisClient } from '../../core/awsClients.js'
import { generateWorkload } from '../../producers/generator/generateWorkload.js'
import { putRecords } from '../../producers/kinesisWriter.js'
import { aggregateRecords } from '../../producers/kplAggregate.js'
import { listOpenShardHashRanges } from '../../producers/shardHashRanges.js'
import { writeNdjson } from '../../producers/ndjsonFile.js'
import { intIn, isoTime, rate, url } from '../flagParsers.js'
import { createProgressLine } from '../progressLine.js'

interface GenerateFlags {
  jobs: number
  seed: number
  duplicates: number
  reorder: number
  malformed: number
  start?: number
  out?: string
  stream?: string
  endpointUrl?: string
  region?: string
  kpl?: boolean
  truth?: string
}

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('generate a realistic, seeded day of AWS Batch events (with its ground truth) to a file or a Kinesis stream')
    .requiredOption('--jobs <n>', 'job submissions (array parents count once)', intIn(1, 10_000_000))
    .option('--seed <n>', 'random seed: the same seed gives the same events', intIn(0, 2 ** 31 - 1), 1)
    .option('--duplicates <rate>', 'extra deliveries: half same event id, half same transition under a new id', rate, 0)
    .option('--reorder <rate>', 'fraction of records delivered out of order', rate, 0)
    .option('--malformed <rate>', 'rate of malformed records', rate, 0)
    .option('--start <iso>', 'start of the generated day (UTC)', isoTime)
    .option('--out <file>', 'write NDJSON to this file')
    .option('--stream <name>', 'put to this Kinesis stream')
    .option('--endpoint-url <url>', 'Kinesis endpoint (else AWS_ENDPOINT_URL_KINESIS / AWS_ENDPOINT_URL)', url)
    .option('--region <region>', 'AWS region (else AWS_REGION)')
    .option('--kpl', 'put KPL-aggregated records (aws-kinesis-agg)')
    .option('--truth <file>', 'write the ground truth JSON to this file')
    .action(async (opts: GenerateFlags, cmd: Command) => {
      if (!opts.out === !opts.stream) cmd.error('error: give exactly one of --out <file> or --stream <name>', { exitCode: 2 })
      const { records, truth } = generateWorkload({
        jobs: opts.jobs,
        seed: opts.seed,
        duplicates: opts.duplicates,
        reorder: opts.reorder,
        malformed: opts.malformed,
        ...(opts.start === undefined ? {} : { start: opts.start }),
      })
      if (opts.truth) await writeFile(opts.truth, JSON.stringify(truth, null, 2))
      if (opts.out) {
        await writeNdjson(opts.out, records)
        process.stderr.write(`generate: ${records.length} records written to ${opts.out}\n`)
        return
      }
      const client = createKinesisClient({ endpoint: opts.endpointUrl, region: opts.region })
      try {
        const toPut = opts.kpl ? await aggregateRecords(records, { shards: await listOpenShardHashRanges(client, opts.stream!) }) : records
        const progress = createProgressLine('generate')
        const result = await putRecords(client, opts.stream!, toPut, { onProgress: (sent) => progress.update(sent, 'records') })
        progress.done(`${records.length} events in ${result.sent} Kinesis records put to ${opts.stream} (${result.calls} calls, ${result.retried} retried)`)
      } finally {
        client.destroy()
      }
    })
}
