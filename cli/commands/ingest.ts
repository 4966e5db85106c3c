import type { Command } from 'commander'
import { ingestFile } from '../../consumers/ingestFile.js'
import { createDirObjectStore } from '../../consumers/sinks/dirObjectStore.js'
import { createEmfFilePublisher } from '../../consumers/metrics/emfFilePublisher.js'
import { resolveMetricsConfig } from '../../consumers/metrics/metricsConfig.js'
import { createReplayMetrics } from '../../consumers/metrics/createReplayMetrics.js'
import { createProgressLine } from '../progressLine.js'

export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description('replay an NDJSON file of EventBridge events through the pipeline into a local folder (same layout as S3)')
    .requiredOption('--input <file>', 'NDJSON file, one EventBridge event per line')
    .requiredOption('--output <dir>', 'folder to write <table>/dt=…/*.parquet and dead-letter/ into')
    .option('--prefix <prefix>', 'key prefix inside the folder', '')
    .option('--metrics-out <file>', 'also write the CloudWatch metrics as Embedded Metric Format lines (what the Lambda would print) to this file')
    .option('--namespace <namespace>', 'CloudWatch namespace of those metrics', 'Batchmeter')
    .option('--quiet', 'no progress line')
    .action(async (opts: { input: string; output: string; prefix: string; metricsOut?: string; namespace: string; quiet?: boolean }) => {
      const progress = opts.quiet ? undefined : createProgressLine('ingest')
      const config = resolveMetricsConfig({ namespace: opts.namespace })
      const metrics = opts.metricsOut ? createReplayMetrics({ publisher: createEmfFilePublisher({ path: opts.metricsOut, namespace: config.namespace }), config }) : undefined
      const summary = await ingestFile({
        input: opts.input,
        store: createDirObjectStore(opts.output),
        prefix: opts.prefix,
        onProgress: (c) => progress?.update(c.records, 'records'),
        onFlushed: metrics?.onFlushed,
      })
      const metricsSummary = await metrics?.finish()
      progress?.done(`${summary.records} records, ${summary.eventsWritten} events written`)
      if (metricsSummary?.rejected) {
        process.stderr.write(`warning: ${metricsSummary.rejected} metric values were left out of ${opts.metricsOut}: ${metricsSummary.firstRejection} (CloudWatch takes timestamps from the last 14 days up to 2 hours ahead)\n`)
      }
      process.stdout.write(
        `${JSON.stringify({
          records_read: summary.records,
          events_written: summary.eventsWritten,
          jobs_finished: summary.jobsFinished,
          duplicates_dropped: summary.duplicates,
          late_events: summary.late,
          dead_letters: summary.deadLetters,
          skipped: summary.skipped,
          files_written: summary.filesWritten,
          ...(metricsSummary ? { metrics_published: metricsSummary.published, metrics_rejected: metricsSummary.rejected } : {}),
        })}\n`,
      )
    })
}
