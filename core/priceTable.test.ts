import { describe, expect, it } from 'vitest'
import { DEFAULT_PRICES, estimateCost, priceTableFromEnv } from './priceTable.js'

describe('priceTableFromEnv (the Lambdas read their prices from the stack this way)', () => {
  it('falls back to list prices when unset, and reads a price file override', () => {
    expect(priceTableFromEnv({})).toBe(DEFAULT_PRICES)
    const prices = priceTableFromEnv({ BATCHMETER_PRICES_JSON: JSON.stringify({ queues: { gpu: { rate: { vcpuHour: 1, gibHour: 0, gpuHour: 0, asOf: '2026-12-01' } } } }) })
    expect(estimateCost({ queue: 'gpu', platform: 'EC2', cpuArchitecture: null, vcpuSeconds: 7200, memoryGibSeconds: 0, gpuSeconds: 0 }, prices)).toBeCloseTo(2, 10)
  })

  it('names the variable when it is not JSON or not a price table', () => {
    expect(() => priceTableFromEnv({ BATCHMETER_PRICES_JSON: '{oops' })).toThrow(/BATCHMETER_PRICES_JSON is not JSON/)
    expect(() => priceTableFromEnv({ BATCHMETER_PRICES_JSON: '{"fargat": {}}' })).toThrow(/fargat/)
  })
})
