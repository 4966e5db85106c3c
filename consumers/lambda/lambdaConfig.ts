import { loadConfig } from '../../core/config.js'
import { BatchmeterError, ErrorCode } from '../../core/errors.js'
import { type PriceTable, priceTableFromEnv } from '../../core/priceTable.js'
import { type MetricsConfig, resolveMetricsConfig } from '../metrics/metricsConfig.js'
import type { Retention } from './stateTable.js'

/** The Lambda handler's settings, all from the function's environment. */
export interface LambdaConfig {
  bucket: string
  prefix: string
  stateTable: string
  retention: Retention
  metrics: MetricsConfig
  maxRecordsPerCommit: number | undefined
  logLevel: string
  /** For the EstimatedCost metric; from BATCHMETER_PRICES_JSON, else list prices. */
  prices: PriceTable
}

/** Environment variables the handler reads besides the shared BATCHMETER_* ones (bucket, prefix, retention, log level). */
export const LAMBDA_ENV = {
  stateTable: 'BATCHMETER_STATE_TABLE',
  namespace: 'BATCHMETER_METRICS_NAMESPACE',
  byDefinition: 'BATCHMETER_METRICS_BY_DEFINITION',
  pipeline: 'BATCHMETER_METRICS_PIPELINE',
  maxRecordsPerCommit: 'BATCHMETER_MAX_RECORDS_PER_COMMIT',
} as const

const missing = (name: string): never => {
  throw new BatchmeterError(ErrorCode.Config, `${name} is not set; set it in the function's environment`, { context: { name } })
}

/** Reads and validates the environment once, at the first invocation; a bad value names its variable. */
export function lambdaConfigFromEnv(env: NodeJS.ProcessEnv = process.env): LambdaConfig {
  const config = loadConfig({ env })
  const bucket = config.bucket ?? missing('BATCHMETER_BUCKET')
  const stateTable = env[LAMBDA_ENV.stateTable]?.trim() || missing(LAMBDA_ENV.stateTable)
  const byDefinition = env[LAMBDA_ENV.byDefinition]?.trim().toLowerCase()
  if (byDefinition !== undefined && byDefinition !== '' && byDefinition !== 'true' && byDefinition !== 'false') {
    throw new BatchmeterError(ErrorCode.Config, `${LAMBDA_ENV.byDefinition} is "${byDefinition}"; use true or false`)
  }
  const maxRaw = env[LAMBDA_ENV.maxRecordsPerCommit]?.trim()
  const maxRecordsPerCommit = maxRaw ? Number(maxRaw) : undefined
  if (maxRecordsPerCommit !== undefined && !(Number.isInteger(maxRecordsPerCommit) && maxRecordsPerCommit >= 1)) {
    throw new BatchmeterError(ErrorCode.Config, `${LAMBDA_ENV.maxRecordsPerCommit} is "${maxRaw}"; use a whole number ≥ 1, or unset it to commit each batch at once`)
  }
  return {
    bucket,
    prefix: config.prefix,
    stateTable,
    retention: { retainAfterTerminalMs: config.retainAfterTerminalHours * 3600_000, maxAgeMs: config.maxJobAgeDays * 86_400_000 },
    metrics: resolveMetricsConfig({
      ...(env[LAMBDA_ENV.namespace]?.trim() ? { namespace: env[LAMBDA_ENV.namespace]!.trim() } : {}),
      ...(env[LAMBDA_ENV.pipeline]?.trim() ? { pipeline: env[LAMBDA_ENV.pipeline]!.trim() } : {}),
      byDefinition: byDefinition === 'true',
    }),
    maxRecordsPerCommit,
    logLevel: config.logLevel,
    prices: priceTableFromEnv(env),
  }
}
