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
