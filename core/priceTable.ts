import { readFileSync } from 'node:fs'
import { BatchmeterError, ErrorCode } from './errors.js'

/**
 * Compute prices, one table for the CloudWatch `EstimatedCost` metric and the cost
 * reports. Rates are per vCPU-hour, per GiB-hour of memory and per GPU-hour; a job's
 * cost is its usage (the `jobs` table's vcpu_seconds, memory_gib_seconds,
 * gpu_seconds) times the rate of the compute it ran on. Every rate names where it
 * comes from and as of when, so a report can show it. Override per queue for what
 * your account really pays (Savings Plans, spot, another region).
 */

export interface PriceRate {
  vcpuHour: number
  gibHour: number
  gpuHour: number
  /** The date the rate was taken from its source (YYYY-MM-DD). */
  asOf: string
  /** Where the rate comes from, or how it was derived. */
  source: string
}

export interface QueuePrice {
  /** EC2 queues: which default EC2 rate applies. Default 'on-demand'. */
  capacity?: 'on-demand' | 'spot'
  /** A rate of its own, used whatever the platform. */
  rate?: PriceRate
}

export interface PriceTable {
  /** Names this set of rates, so a report can say which prices it used. Default `DEFAULT_PRICES.version`. */
  version?: string
  region: string
  fargate: { X86_64: PriceRate; ARM64: PriceRate }
  ec2: { onDemand: PriceRate; spot: PriceRate }
  /** Per-queue capacity or rate, by queue name. */
  queues: Readonly<Record<string, QueuePrice>>
}

const TABLE_DATE = '2026-12-04'
const NOT_RECHECKED = 'written from the published list price, not re-checked online when this table was written'

/**
 * us-east-1 list prices. EC2 has no per-vCPU price, so its rates are derived from
 * instance prices by splitting them in the ratio Fargate uses (vCPU-hour : GiB-hour).
 */
export const DEFAULT_PRICES: PriceTable = {
  version: `aws-list-us-east-1-${TABLE_DATE}`,
  region: 'us-east-1',
  fargate: {
    X86_64: { vcpuHour: 0.04048, gibHour: 0.004445, gpuHour: 0, asOf: TABLE_DATE, source: `AWS Fargate pricing, us-east-1, Linux/x86 (${NOT_RECHECKED})` },
    ARM64: { vcpuHour: 0.03238, gibHour: 0.00356, gpuHour: 0, asOf: TABLE_DATE, source: `AWS Fargate pricing, us-east-1, Linux/ARM (Graviton) (${NOT_RECHECKED})` },
  },
  ec2: {
    onDemand: {
      vcpuHour: 0.03335,
      gibHour: 0.003662,
      gpuHour: 2.57,
      asOf: TABLE_DATE,
      source: `derived: m5.large on-demand $0.096/h (2 vCPU, 8 GiB) split in Fargate's vCPU:GiB price ratio; GPU from p3.2xlarge $3.06/h less its 8 vCPU and 61 GiB (${NOT_RECHECKED})`,
    },
    spot: {
      vcpuHour: 0.011673,
      gibHour: 0.0012817,
      gpuHour: 0.8995,
      asOf: TABLE_DATE,
      source: 'assumption: 35% of the derived EC2 on-demand rates (a typical spot discount); set the queue rate to what you pay',
    },
  },
  queues: {},
}

/** The rate classes a job can be charged at, besides a queue's own rate. */
export const PricingClass = {
  FargateX86: 'fargate-x86_64',
  FargateArm: 'fargate-arm64',
  Ec2OnDemand: 'ec2-on-demand',
  Ec2Spot: 'ec2-spot',
  Queue: 'queue-rate',
} as const
export type PricingClass = (typeof PricingClass)[keyof typeof PricingClass]

/** What the cost of one finished job depends on. */
export interface CostInput {
  queue: string
  /** null for EC2 definitions that state no platform (Batch's default is EC2) and for service jobs. */
  platform: 'EC2' | 'FARGATE' | null
  cpuArchitecture: string | null
  vcpuSeconds: number
  memoryGibSeconds: number
  gpuSeconds: number
}

/** The rate a job is charged at: the queue's own rate, else Fargate by architecture, else EC2 by the queue's capacity. */
export function rateFor(job: Pick<CostInput, 'queue' | 'platform' | 'cpuArchitecture'>, prices: PriceTable = DEFAULT_PRICES): PriceRate {
  const queue = prices.queues[job.queue]
  if (queue?.rate) return queue.rate
  if (job.platform === 'FARGATE') return job.cpuArchitecture === 'ARM64' ? prices.fargate.ARM64 : prices.fargate.X86_64
  return queue?.capacity === 'spot' ? prices.ec2.spot : prices.ec2.onDemand
}

/**
 * Estimated cost in USD of one finished job. Service jobs (SageMaker) carry no
 * vCPU/memory figures in their events, so they cost 0 here.
 */
export function estimateCost(job: CostInput, prices: PriceTable = DEFAULT_PRICES): number {
  const r = rateFor(job, prices)
  return (job.vcpuSeconds * r.vcpuHour + job.memoryGibSeconds * r.gibHour + job.gpuSeconds * r.gpuHour) / 3600
}

/** The pricing class `rateFor` picks, for labelling report rows. */
export function pricingClassFor(job: Pick<CostInput, 'queue' | 'platform' | 'cpuArchitecture'>, prices: PriceTable = DEFAULT_PRICES): PricingClass {
  const queue = prices.queues[job.queue]
  if (queue?.rate) return PricingClass.Queue
  if (job.platform === 'FARGATE') return job.cpuArchitecture === 'ARM64' ? PricingClass.FargateArm : PricingClass.FargateX86
  return queue?.capacity === 'spot' ? PricingClass.Ec2Spot : PricingClass.Ec2OnDemand
}

/** One printable row of the price table: what a report shows under "prices used". */
export interface PriceRow {
  pricingClass: PricingClass
  /** The queue for a queue's own rate or capacity; '' for the defaults. */
  queue: string
  platform: 'FARGATE' | 'EC2' | '*'
  vcpuHour: number
  gibHour: number
  gpuHour: number
  asOf: string
  source: string
}

/** Every rate of the table as rows, defaults first, then per-queue rates and capacities by queue name. */
export function priceRows(prices: PriceTable = DEFAULT_PRICES): PriceRow[] {
  const row = (pricingClass: PricingClass, queue: string, platform: PriceRow['platform'], r: PriceRate): PriceRow => ({ pricingClass, queue, platform, ...r })
  const rows = [
    row(PricingClass.FargateX86, '', 'FARGATE', prices.fargate.X86_64),
    row(PricingClass.FargateArm, '', 'FARGATE', prices.fargate.ARM64),
    row(PricingClass.Ec2OnDemand, '', 'EC2', prices.ec2.onDemand),
    row(PricingClass.Ec2Spot, '', 'EC2', prices.ec2.spot),
  ]
  for (const [queue, q] of Object.entries(prices.queues).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (q.rate) rows.push(row(PricingClass.Queue, queue, '*', q.rate))
    else if (q.capacity === 'spot') rows.push(row(PricingClass.Ec2Spot, queue, 'EC2', prices.ec2.spot))
    else rows.push(row(PricingClass.Ec2OnDemand, queue, 'EC2', prices.ec2.onDemand))
  }
  return rows
}

/** AWS Batch queue names: up to 128 letters, digits, hyphens and underscores. */
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,128}$/
const DATE = /^\d{4}-\d{2}-\d{2}$/

function priceFileError(file: string, path: string, problem: string): BatchmeterError {
  return new BatchmeterError(ErrorCode.Config, `price file ${file}: ${path} ${problem}. See README, Reports (prices) for the format.`, { context: { file, path } })
}

function readRate(file: string, path: string, value: unknown, base: PriceRate | undefined): PriceRate {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw priceFileError(file, path, 'must be an object with vcpuHour, gibHour, gpuHour, asOf and source')
  const v = value as Record<string, unknown>
  const known = new Set(['vcpuHour', 'gibHour', 'gpuHour', 'asOf', 'source'])
  for (const key of Object.keys(v)) if (!known.has(key)) throw priceFileError(file, `${path}.${key}`, `is not a rate field (use ${[...known].join(', ')})`)
  const num = (key: 'vcpuHour' | 'gibHour' | 'gpuHour'): number => {
    const n = v[key] ?? base?.[key] ?? (key === 'gpuHour' ? 0 : undefined)
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw priceFileError(file, `${path}.${key}`, `must be a non-negative number of USD, got ${JSON.stringify(v[key])}`)
    return n
  }
  const asOf = v.asOf
  if (typeof asOf !== 'string' || !DATE.test(asOf)) throw priceFileError(file, `${path}.asOf`, `must be the date the rate was taken, as YYYY-MM-DD, got ${JSON.stringify(v.asOf)}`)
  const source = v.source ?? `price file ${file}`
  if (typeof source !== 'string' || source.trim() === '') throw priceFileError(file, `${path}.source`, 'must say where the rate comes from')
  return { vcpuHour: num('vcpuHour'), gibHour: num('gibHour'), gpuHour: num('gpuHour'), asOf, source }
}

/**
 * A price table from a parsed price file laid over `base` (default `DEFAULT_PRICES`):
 * `{ version?, region?, fargate?: { X86_64?, ARM64? }, ec2?: { onDemand?, spot? },
 * queues?: { <queue>: { capacity?: 'on-demand' | 'spot', rate?: <rate> } } }`, where a
 * rate is `{ vcpuHour, gibHour, gpuHour?, asOf, source? }` (a default rate can be
 * overridden in part; `asOf` is required on every rate the file gives). Throws a
 * BatchmeterError naming the bad key.
 */
export function parsePriceTable(json: unknown, file = '(inline)', base: PriceTable = DEFAULT_PRICES): PriceTable {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw priceFileError(file, '(top level)', 'must be a JSON object')
  const o = json as Record<string, unknown>
  for (const key of Object.keys(o)) if (!['version', 'region', 'fargate', 'ec2', 'queues'].includes(key)) throw priceFileError(file, key, 'is not a price-table key (use version, region, fargate, ec2, queues)')
  const section = <K extends string>(name: string, keys: readonly K[]): Partial<Record<K, unknown>> => {
    const v = o[name]
    if (v === undefined) return {}
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw priceFileError(file, name, `must be an object with ${keys.join(' and/or ')}`)
    for (const key of Object.keys(v)) if (!(keys as readonly string[]).includes(key)) throw priceFileError(file, `${name}.${key}`, `is not one of ${keys.join(', ')}`)
    return v as Partial<Record<K, unknown>>
  }
  const fargate = section('fargate', ['X86_64', 'ARM64'] as const)
  const ec2 = section('ec2', ['onDemand', 'spot'] as const)
  const rateOr = (path: string, v: unknown, current: PriceRate): PriceRate => (v === undefined ? current : readRate(file, path, { ...(v as object) }, current))
  const queues: Record<string, QueuePrice> = { ...base.queues }
  const rawQueues = o.queues ?? {}
  if (typeof rawQueues !== 'object' || rawQueues === null || Array.isArray(rawQueues)) throw priceFileError(file, 'queues', 'must be an object keyed by queue name')
  for (const [queue, q] of Object.entries(rawQueues)) {
    if (!QUEUE_NAME.test(queue)) throw priceFileError(file, `queues.${JSON.stringify(queue)}`, 'is not an AWS Batch queue name (letters, digits, - and _; up to 128)')
    if (typeof q !== 'object' || q === null || Array.isArray(q)) throw priceFileError(file, `queues.${queue}`, 'must be an object with capacity and/or rate')
    const { capacity, rate, ...rest } = q as Record<string, unknown>
    if (Object.keys(rest).length > 0) throw priceFileError(file, `queues.${queue}.${Object.keys(rest)[0]}`, 'is not capacity or rate')
    if (capacity !== undefined && capacity !== 'on-demand' && capacity !== 'spot') throw priceFileError(file, `queues.${queue}.capacity`, `must be "on-demand" or "spot", got ${JSON.stringify(capacity)}`)
    queues[queue] = {
      ...(capacity === undefined ? {} : { capacity }),
      ...(rate === undefined ? {} : { rate: readRate(file, `queues.${queue}.rate`, rate, undefined) }),
    }
  }
  const version = o.version ?? `${base.version ?? 'custom'}+${file}`
  if (typeof version !== 'string' || version.trim() === '') throw priceFileError(file, 'version', 'must be a non-empty string')
  const region = o.region ?? base.region
  if (typeof region !== 'string') throw priceFileError(file, 'region', 'must be a string such as us-east-1')
  return {
    version,
    region,
    fargate: { X86_64: rateOr('fargate.X86_64', fargate.X86_64, base.fargate.X86_64), ARM64: rateOr('fargate.ARM64', fargate.ARM64, base.fargate.ARM64) },
    ec2: { onDemand: rateOr('ec2.onDemand', ec2.onDemand, base.ec2.onDemand), spot: rateOr('ec2.spot', ec2.spot, base.ec2.spot) },
    queues,
  }
}

/** Reads and parses a price file (JSON; see `parsePriceTable`). */
export function loadPriceTable(file: string, base: PriceTable = DEFAULT_PRICES): PriceTable {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (cause) {
    throw new BatchmeterError(ErrorCode.Config, `cannot read price file ${file}: ${(cause as Error).message}. Check the path given to --prices.`, { cause })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    throw new BatchmeterError(ErrorCode.Config, `price file ${file} is not JSON: ${(cause as Error).message}`, { cause })
  }
  return parsePriceTable(json, file, base)
}

/** Prices from an environment variable holding a price table as JSON (what the CDK app sets); unset or empty → DEFAULT_PRICES. */
export function priceTableFromEnv(env: NodeJS.ProcessEnv, name = 'BATCHMETER_PRICES_JSON'): PriceTable {
  const text = env[name]?.trim()
  if (!text) return DEFAULT_PRICES
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    throw new BatchmeterError(ErrorCode.Config, `${name} is not JSON: ${(cause as Error).message}; set it to a price table (see README, Reports) or unset it for list prices`, { cause })
  }
  return parsePriceTable(json, name)
}
