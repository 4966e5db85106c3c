import { type FormatEmfOptions, formatEmf } from './formatEmf.js'
import type { MetricDatum } from './metricSet.js'
import type { MetricsPublisher, PublishResult } from './metricsPublisher.js'

export interface EmfPublisherOptions {
  namespace: string
  /** Writes lines (each ending in a newline): process.stdout in Lambda, a file for --metrics-out. */
  write: (text: string) => void | Promise<void>
  /** Clock for the timestamp window. Default Date.now. */
  now?: () => number
}

/** Publishes metric data as Embedded Metric Format lines; CloudWatch Logs turns them into metrics. */
export function createEmfPublisher(options: EmfPublisherOptions): MetricsPublisher {
  const { namespace, write, now = Date.now } = options
  return {
    async publish(data: readonly MetricDatum[]): Promise<PublishResult> {
      const formatOptions: FormatEmfOptions = { namespace, now: now() }
      const { lines, rejected } = formatEmf(data, formatOptions)
      if (lines.length > 0) await write(lines.map((l) => `${l}\n`).join(''))
      return { published: data.length - rejected.length, rejected }
    },
  }
}
