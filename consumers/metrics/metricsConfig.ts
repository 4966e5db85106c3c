import { BatchmeterError, ErrorCode } from '../../core/errors.js'
import { METRIC_NAMES } from './metricSet.js'

export interface MetricsOptions {
  /** CloudWatch namespace. Default 'Batchmeter'. */
  namespace?: string
  /** Name of the queue dimension. Default 'JobQueue'. */
  queueDimension?: string
  /** Name of the job definition dimension. Default 'JobDefinition'. */
  definitionDimension?: string
  /** Name of the blocked-reason dimension. Default 'Reason'. */
  reasonDimension?: string
  /** Name of the dimension of the pipeline-health metrics. Default 'Pipeline'. */
  pipelineDimension?: string
  /** Value of that dimension, e.g. one per deployment. Default 'batchmeter'. */
  pipeline?: string
  /** Also publish the per-job metrics per job definition (more metrics, more cost). Default false. */
  byDefinition?: boolean
  /** Dimensions added to every metric, e.g. `{ Environment: 'prod' }`. Default none. */
  extraDimensions?: Readonly<Record<string, string>>
}

export type MetricsConfig = Required<MetricsOptions>

export const DEFAULT_NAMESPACE = 'Batchmeter'

/** CloudWatch's limits on names (namespace: 1–255 of these characters; dimension names and values 1–255/1–1024). */
const NAMESPACE_RE = /^(?=.*\S)[A-Za-z0-9 ._#:/-]+$/
export const MAX_DIMENSIONS = 30

const fail = (message: string, context: Record<string, unknown>): never => {
  throw new BatchmeterError(ErrorCode.Config, message, { context })
}

function checkDimensionName(name: string, option: string): void {
  if (name.trim() === '' || name.length > 255 || name.startsWith(':') || /[^\x20-\x7e]/.test(name)) {
    fail(`metrics option ${option} is ${JSON.stringify(name)}; use 1–255 printable ASCII characters, not starting with ':'`, { option, name })
  }
  if ((METRIC_NAMES as readonly string[]).includes(name) || name === '_aws') {
    fail(`metrics option ${option} is ${JSON.stringify(name)}, which is also a metric name; EMF keeps both at the top level of a line, so pick another name`, { option, name })
  }
}

/** A dimension value as CloudWatch takes it: non-blank, at most 1024 characters. */
export function dimensionValue(value: string | null | undefined): string {
  const v = (value ?? '').trim()
  return v === '' ? '(none)' : v.length > 1024 ? v.slice(0, 1024) : v
}

/** Applies the defaults and rejects a bad namespace or dimension with a message naming it. */
export function resolveMetricsConfig(options: MetricsOptions = {}): MetricsConfig {
  const config: MetricsConfig = {
    namespace: options.namespace ?? DEFAULT_NAMESPACE,
    queueDimension: options.queueDimension ?? 'JobQueue',
    definitionDimension: options.definitionDimension ?? 'JobDefinition',
    reasonDimension: options.reasonDimension ?? 'Reason',
    pipelineDimension: options.pipelineDimension ?? 'Pipeline',
    pipeline: options.pipeline ?? 'batchmeter',
    byDefinition: options.byDefinition ?? false,
    extraDimensions: { ...options.extraDimensions },
  }
  if (config.namespace.length > 255 || !NAMESPACE_RE.test(config.namespace) || config.namespace.startsWith('AWS/')) {
    fail(`metrics namespace ${JSON.stringify(config.namespace)} is not valid; use 1–255 letters, digits and . _ # : / - or spaces, not starting with "AWS/"`, { namespace: config.namespace })
  }
  const names = [config.queueDimension, config.definitionDimension, config.reasonDimension, config.pipelineDimension]
  checkDimensionName(config.queueDimension, 'queueDimension')
  checkDimensionName(config.definitionDimension, 'definitionDimension')
  checkDimensionName(config.reasonDimension, 'reasonDimension')
  checkDimensionName(config.pipelineDimension, 'pipelineDimension')
  for (const [name, value] of Object.entries(config.extraDimensions)) {
    checkDimensionName(name, `extraDimensions.${name}`)
    if (names.includes(name)) fail(`extra dimension ${JSON.stringify(name)} clashes with a dimension batchmeter sets itself; rename it`, { name })
    if (value.trim() === '' || value.length > 1024) fail(`extra dimension ${name} has value ${JSON.stringify(value)}; use 1–1024 characters`, { name, value })
  }
  if (new Set(names).size !== names.length) fail(`metrics dimension names must differ, got ${names.join(', ')}`, { names })
  // The widest set: extras + queue + definition (or reason).
  if (Object.keys(config.extraDimensions).length + 2 > MAX_DIMENSIONS) {
    fail(`too many extra dimensions (${Object.keys(config.extraDimensions).length}); CloudWatch allows ${MAX_DIMENSIONS} per metric, batchmeter uses up to 2`, {})
  }
  dimensionValue(config.pipeline)
  return config
}

/** The dimension sets, in one place so publishers and the dashboard agree. */
export const dimensionsOf = {
  queue: (c: MetricsConfig, queue: string): Record<string, string> => ({ ...c.extraDimensions, [c.queueDimension]: dimensionValue(queue) }),
  definition: (c: MetricsConfig, queue: string, definition: string | null): Record<string, string> => ({
    ...c.extraDimensions,
    [c.queueDimension]: dimensionValue(queue),
    [c.definitionDimension]: dimensionValue(definition),
  }),
  reason: (c: MetricsConfig, queue: string, reason: string): Record<string, string> => ({
    ...c.extraDimensions,
    [c.queueDimension]: dimensionValue(queue),
    [c.reasonDimension]: dimensionValue(reason),
  }),
  pipeline: (c: MetricsConfig): Record<string, string> => ({ ...c.extraDimensions, [c.pipelineDimension]: dimensionValue(c.pipeline) }),
} as const
