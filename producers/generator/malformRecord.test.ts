import { describe, expect, it } from 'vitest'
import { parseBatchEventJson } from '../model/parseBatchEvent.js'
import { createRng } from './createRng.js'
import { generateWorkload } from './generateWorkload.js'
import { MALFORMED_VARIANTS, malformRecord } from './malformRecord.js'

const KPL_MAGIC = [0xf3, 0x89, 0x9a, 0xc2]
const utf8 = new TextDecoder('utf-8', { fatal: true })

function outcome(data: Uint8Array): string {
  let text: string
  try {
    text = utf8.decode(data)
  } catch {
    return 'not-utf8'
  }
  return parseBatchEventJson(text).outcome
}

describe('malformRecord', () => {
  const decoder = new TextDecoder()
  const events = generateWorkload({ jobs: 300, seed: 6 }).records.map((r) => decoder.decode(r.data))
  const state = events.find((e) => e.includes('"Batch Job State Change"') && e.includes('"resourceRequirements"'))!
  const legacy = events.find((e) => e.includes('"Batch Job State Change"') && e.includes('"vcpus":'))!
  const service = events.find((e) => e.includes('"Batch Service Job State Change"'))!
  const blocked = events.filter((e) => e.includes('Queue Blocked"'))

  it('makes every variant invalid, from every kind of event', () => {
    const rng = createRng(1)
    const seen = new Set<string>()
    for (let i = 0; i < 400; i++) {
      for (const [source, isBlocked] of [[state, false], [legacy, false], [service, false], ...blocked.map((b) => [b, true] as const)] as const) {
        const { variant, data } = malformRecord(source, rng, rng.uuid(), isBlocked)
        seen.add(variant)
        expect(['invalid', 'not-utf8'], `${variant}: ${Buffer.from(data).toString('latin1').slice(0, 200)}`).toContain(outcome(data))
        expect(data.indexOf(0x0a)).toBe(-1)
        expect(data.indexOf(0x0d)).toBe(-1)
        expect([...data.subarray(0, 4)]).not.toEqual(KPL_MAGIC)
      }
    }
    expect([...seen].sort()).toEqual([...MALFORMED_VARIANTS].sort())
  })

  it('gives the record a fresh event id', () => {
    const rng = createRng(2)
    for (let i = 0; i < 50; i++) {
      const id = rng.uuid()
      const { variant, data } = malformRecord(state, rng, id, false)
      if (variant === 'binary') continue
      const text = Buffer.from(data).toString('utf8')
      if (text.length > 60) expect(text.slice(21, 57)).toBe(id)
    }
  })

  it('only uses the variants a queue-blocked event fails on', () => {
    const rng = createRng(3)
    for (let i = 0; i < 200; i++) {
      const { variant } = malformRecord(blocked[0]!, rng, rng.uuid(), true)
      expect(['truncated', 'binary', 'missing-job-id', 'unknown-status']).toContain(variant)
    }
  })
})
