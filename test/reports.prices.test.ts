import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEFAULT_PRICES, loadPriceTable, parsePriceTable, priceRows, pricingClassFor, rateFor } from '../core/priceTable.js'
import { createLocalEngine } from '../queries/localEngine.js'
import { rateRows, ratesParameter } from '../queries/prices/ratesParameter.js'

describe('price table', () => {
  it('defaults: Fargate us-east-1 list prices, every rate with an as-of date and a source', () => {
    expect(DEFAULT_PRICES.fargate.X86_64).toMatchObject({ vcpuHour: 0.04048, gibHour: 0.004445 })
    expect(DEFAULT_PRICES.fargate.ARM64).toMatchObject({ vcpuHour: 0.03238, gibHour: 0.00356 })
    for (const row of priceRows()) {
      expect(row.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/)
      expect(row.source.length).toBeGreaterThan(10)
    }
    expect(DEFAULT_PRICES.version).toMatch(/2026/)
  })

  it('a price file overrides rates in part and sets per-queue capacity or rate; bad keys are named', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bm-prices-'))
    try {
      const file = join(dir, 'prices.json')
      await writeFile(file, JSON.stringify({ version: 'acme-2026-12', ec2: { spot: { vcpuHour: 0.01, asOf: '2026-12-01' } }, queues: { 'spot-ec2': { capacity: 'spot' }, gpu: { rate: { vcpuHour: 0.1, gibHour: 0.01, gpuHour: 2, asOf: '2026-12-01', source: 'our EDP rate' } } } }))
      const p = loadPriceTable(file)
      expect(p.version).toBe('acme-2026-12')
      expect(p.ec2.spot).toEqual({ ...DEFAULT_PRICES.ec2.spot, vcpuHour: 0.01, asOf: '2026-12-01', source: `price file ${file}` })
      expect(rateFor({ queue: 'spot-ec2', platform: 'EC2', cpuArchitecture: null }, p).vcpuHour).toBe(0.01)
      expect(pricingClassFor({ queue: 'gpu', platform: 'FARGATE', cpuArchitecture: 'ARM64' }, p)).toBe('queue-rate')
      expect(priceRows(p).map((r) => [r.pricingClass, r.queue])).toContainEqual(['queue-rate', 'gpu'])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
    expect(() => parsePriceTable({ fargate: { X86: {} } }, 'p.json')).toThrow(/price file p\.json: fargate\.X86 is not one of X86_64, ARM64/)
    expect(() => parsePriceTable({ ec2: { spot: { vcpuHour: -1, asOf: '2026-12-01' } } }, 'p.json')).toThrow(/ec2\.spot\.vcpuHour must be a non-negative number/)
    expect(() => parsePriceTable({ ec2: { spot: { vcpuHour: 1 } } }, 'p.json')).toThrow(/ec2\.spot\.asOf must be the date/)
    expect(() => parsePriceTable({ queues: { "it's": { capacity: 'spot' } } }, 'p.json')).toThrow(/not an AWS Batch queue name/)
    expect(() => parsePriceTable({ queues: { q: { capacity: 'reserved' } } }, 'p.json')).toThrow(/capacity must be "on-demand" or "spot"/)
  })

  it('the SQL rate lookup (queue row, else default row) picks what rateFor picks, for every queue, platform and architecture', async () => {
    const prices = parsePriceTable({ queues: { spotq: { capacity: 'spot' }, odq: { capacity: 'on-demand' }, own: { rate: { vcpuHour: 1, gibHour: 2, gpuHour: 3, asOf: '2026-12-01' } } } })
    const empty = await mkdtemp(join(tmpdir(), 'bm-rates-'))
    const engine = await createLocalEngine({ dataDir: empty })
    try {
      for (const queue of ['spotq', 'odq', 'own', 'other']) {
        for (const [platform, arch] of [['EC2', null], [null, null], ['FARGATE', 'X86_64'], ['FARGATE', 'ARM64'], ['FARGATE', null]] as const) {
          const [row] = await engine.query(
            `WITH rates AS (SELECT split_part(r, '|', 1) AS queue, split_part(r, '|', 2) AS rate_key, split_part(r, '|', 3) AS pricing_class, CAST(split_part(r, '|', 4) AS double) AS vcpu_hour, CAST(split_part(r, '|', 5) AS double) AS gib_hour, CAST(split_part(r, '|', 6) AS double) AS gpu_hour FROM UNNEST(split(?, ';')) AS t (r)),
             j AS (SELECT ? AS job_queue, CASE WHEN ? = 'FARGATE' THEN CASE WHEN ? = 'ARM64' THEN 'FARGATE/ARM64' ELSE 'FARGATE/X86_64' END ELSE 'EC2' END AS rate_key)
             SELECT coalesce(q.vcpu_hour, d.vcpu_hour) AS vcpu_hour, coalesce(q.gib_hour, d.gib_hour) AS gib_hour, coalesce(q.gpu_hour, d.gpu_hour) AS gpu_hour, coalesce(q.pricing_class, d.pricing_class) AS pricing_class
             FROM j LEFT JOIN rates q ON q.queue = j.job_queue AND q.rate_key = j.rate_key LEFT JOIN rates d ON d.queue = '' AND d.rate_key = j.rate_key`,
            [ratesParameter(prices), queue, platform, arch],
          )
          const want = rateFor({ queue, platform, cpuArchitecture: arch }, prices)
          expect(row, `${queue} ${platform} ${arch}`).toEqual({ vcpu_hour: want.vcpuHour, gib_hour: want.gibHour, gpu_hour: want.gpuHour, pricing_class: pricingClassFor({ queue, platform, cpuArchitecture: arch }, prices) })
        }
      }
    } finally {
      await engine.close()
      await rm(empty, { recursive: true, force: true })
    }
    expect(rateRows(prices).filter((r) => r.queue === 'own')).toHaveLength(3)
  })
})
