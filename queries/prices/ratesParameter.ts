import { DEFAULT_PRICES, PricingClass, type PriceRate, type PriceTable } from '../../core/priceTable.js'

/** How the cost SQL keys a job's rate: Fargate by CPU architecture, everything else EC2. */
export const RATE_KEYS = ['FARGATE/X86_64', 'FARGATE/ARM64', 'EC2'] as const
export type RateKey = (typeof RATE_KEYS)[number]

export interface RateRow {
  /** '' for the default of the rate key; else the queue it applies to. */
  queue: string
  rateKey: RateKey
  pricingClass: PricingClass
  rate: PriceRate
}

/**
 * The price table flattened to what the cost SQL looks up: per rate key a default row,
 * and per queue with its own rate or capacity the rows overriding it. The SQL picks the
 * queue's row, else the default, which is `rateFor` (core/priceTable.ts) row for row.
 */
export function rateRows(prices: PriceTable = DEFAULT_PRICES): RateRow[] {
  const rows: RateRow[] = [
    { queue: '', rateKey: 'FARGATE/X86_64', pricingClass: PricingClass.FargateX86, rate: prices.fargate.X86_64 },
    { queue: '', rateKey: 'FARGATE/ARM64', pricingClass: PricingClass.FargateArm, rate: prices.fargate.ARM64 },
    { queue: '', rateKey: 'EC2', pricingClass: PricingClass.Ec2OnDemand, rate: prices.ec2.onDemand },
  ]
  for (const [queue, q] of Object.entries(prices.queues)) {
    if (q.rate) for (const rateKey of RATE_KEYS) rows.push({ queue, rateKey, pricingClass: PricingClass.Queue, rate: q.rate })
    else if (q.capacity === 'spot') rows.push({ queue, rateKey: 'EC2', pricingClass: PricingClass.Ec2Spot, rate: prices.ec2.spot })
  }
  return rows
}

/** Separators of the encoding; queue names (AWS Batch: letters, digits, - and _) never hold them. */
const FIELD = '|'
const ROW = ';'

/** A number as text both Trino's and DuckDB's CAST(… AS double) read back exactly. */
const num = (n: number): string => (Number.isFinite(n) ? String(n) : '0')

/**
 * The price table as the one string bound to the cost reports' `prices` parameter:
 * `queue|rate_key|pricing_class|vcpu_hour|gib_hour|gpu_hour;…`. A bound value, so queue
 * names from a price file never become SQL text.
 */
export function ratesParameter(prices: PriceTable = DEFAULT_PRICES): string {
  return rateRows(prices)
    .map((r) => {
      if (r.queue.includes(FIELD) || r.queue.includes(ROW)) throw new RangeError(`queue name ${JSON.stringify(r.queue)} holds "${FIELD}" or "${ROW}"`)
      return [r.queue, r.rateKey, r.pricingClass, num(r.rate.vcpuHour), num(r.rate.gibHour), num(r.rate.gpuHour)].join(FIELD)
    })
    .join(ROW)
}
