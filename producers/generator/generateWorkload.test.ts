import { describe, expect, it } from 'vitest'
import { BatchmeterError } from '../../core/errors.js'
import { parseBatchEventJson } from '../model/parseBatchEvent.js'
import { type GeneratedRecord, generateWorkload } from './generateWorkload.js'

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** JSON text of a record, or null when its bytes are not UTF-8. */
function text(r: GeneratedRecord): string | null {
  try {
    return utf8.decode(r.data)
  } catch {
    return null
  }
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0

describe('generateWorkload', () => {
  const noisy = { jobs: 3000, seed: 11, duplicates: 0.1, reorder: 0.1, malformed: 0.02 }

  it('gives byte-identical records for the same options, and other records for another seed', () => {
    const a = generateWorkload(noisy)
    const b = generateWorkload(noisy)
    expect(b.records.length).toBe(a.records.length)
    a.records.forEach((r, i) => {
      const s = b.records[i]!
      expect(s.kind).toBe(r.kind)
      expect(s.partitionKey).toBe(r.partitionKey)
      expect(sameBytes(s.data, r.data)).toBe(true)
    })
    expect(b.truth).toEqual(a.truth)

    const c = generateWorkload({ ...noisy, seed: 12 })
    expect(sameBytes(c.records[0]!.data, a.records[0]!.data)).toBe(false)
  })

  it('keeps the workload itself when only the noise changes', () => {
    const clean = generateWorkload({ jobs: 800, seed: 5 })
    const noisyRun = generateWorkload({ jobs: 800, seed: 5, duplicates: 0.3, reorder: 0.3, malformed: 0.1 })
    const events = (records: GeneratedRecord[]): string[] => records.filter((r) => r.kind === 'event').map((r) => text(r)!).sort()
    expect(events(noisyRun.records)).toEqual(events(clean.records))
    expect(noisyRun.truth.queues).toEqual(clean.truth.queues)
    expect(noisyRun.jobsTruth).toEqual(clean.jobsTruth)
  })

  it('makes events that parse, CloudTrail calls that are skipped and malformed records that are invalid', () => {
    const { records } = generateWorkload(noisy)
    const outcomes: Record<string, Record<string, number>> = {}
    for (const r of records) {
      const json = text(r)
      const outcome = json === null ? 'not-utf8' : parseBatchEventJson(json).outcome
      const byKind = (outcomes[r.kind] ??= {})
      byKind[outcome] = (byKind[outcome] ?? 0) + 1
      if (r.kind !== 'malformed' && r.kind !== 'cloudtrail') {
        const parsed = parseBatchEventJson(json!)
        expect(parsed.outcome, json!.slice(0, 300)).toBe('event')
        if (parsed.outcome === 'event') expect(r.partitionKey).toBe(parsed.event.jobId)
      }
    }
    expect(Object.keys(outcomes.event!)).toEqual(['event'])
    expect(Object.keys(outcomes['duplicate-same-id']!)).toEqual(['event'])
    expect(Object.keys(outcomes['duplicate-new-id']!)).toEqual(['event'])
    expect(Object.keys(outcomes.cloudtrail!)).toEqual(['skipped'])
    expect(Object.keys(outcomes.malformed!).sort()).toEqual(['invalid', 'not-utf8'])
  })

  it('never puts a newline or carriage return inside a record', () => {
    const { records } = generateWorkload({ ...noisy, malformed: 0.2 })
    for (const r of records) {
      expect(r.data.indexOf(0x0a)).toBe(-1)
      expect(r.data.indexOf(0x0d)).toBe(-1)
    }
  })

  it('re-delivers the same bytes, or the same event under a new id', () => {
    const { records } = generateWorkload(noisy)
    const byId = new Map<string, Uint8Array>()
    for (const r of records) {
      if (r.kind !== 'event') continue
      const json = text(r)!
      byId.set(json.slice(21, 57), r.data)
    }
    const latin1 = (d: Uint8Array): string => Buffer.from(d).toString('latin1')
    const originals = new Set([...byId.values()].map(latin1))
    const afterId = new Set([...originals].map((t) => t.slice(57)))
    let newIds = 0
    for (const r of records) {
      if (r.kind === 'duplicate-same-id') expect(originals.has(latin1(r.data))).toBe(true)
      if (r.kind === 'duplicate-new-id') {
        const json = text(r)!
        expect(byId.has(json.slice(21, 57))).toBe(false)
        expect(afterId.has(json.slice(57))).toBe(true)
        newIds++
      }
    }
    expect(newIds).toBeGreaterThan(0)
  })

  it('honours the noise rates roughly', () => {
    const rates = { duplicates: 0.2, reorder: 0.15, malformed: 0.05, cloudtrail: 0.1 }
    const { records, truth } = generateWorkload({ jobs: 4000, seed: 3, ...rates })
    const count = (kind: GeneratedRecord['kind']): number => records.filter((r) => r.kind === kind).length
    const events = count('event')
    expect(events).toBe(truth.uniqueEvents)
    const dupSame = count('duplicate-same-id')
    const dupNew = count('duplicate-new-id')
    expect(dupSame).toBe(truth.duplicatesSameId)
    expect(dupNew).toBe(truth.duplicatesNewId)
    expect((dupSame + dupNew) / events).toBeGreaterThan(rates.duplicates * 0.85)
    expect((dupSame + dupNew) / events).toBeLessThan(rates.duplicates * 1.15)
    // Queue-blocked events are only re-sent as they are, so slightly more than half are same-id.
    expect(dupNew / (dupSame + dupNew)).toBeGreaterThan(0.4)
    expect(dupNew / (dupSame + dupNew)).toBeLessThan(0.55)
    expect(count('malformed')).toBe(truth.malformed)
    expect(truth.malformed / events).toBeGreaterThan(rates.malformed * 0.8)
    expect(truth.malformed / events).toBeLessThan(rates.malformed * 1.2)
    expect(Object.keys(truth.malformedByVariant).length).toBe(8)
    expect(count('cloudtrail')).toBe(truth.cloudtrail)
    expect(truth.cloudtrail / 4000).toBeGreaterThan(rates.cloudtrail * 0.75)
    expect(truth.cloudtrail / 4000).toBeLessThan(rates.cloudtrail * 1.25)
    expect(truth.records).toBe(records.length)
    expect(truth.displaced / records.length).toBeGreaterThan(rates.reorder * 0.9)
    expect(truth.displaced / records.length).toBeLessThan(rates.reorder * 1.1)
  })

  it('displaces a share of the records by at most 50 places', () => {
    const base = generateWorkload({ jobs: 1500, seed: 8 })
    const moved = generateWorkload({ jobs: 1500, seed: 8, reorder: 0.2 })
    const key = (r: GeneratedRecord): string => Buffer.from(r.data).toString('latin1')
    const position = new Map(base.records.map((r, i) => [key(r), i]))
    expect(position.size).toBe(base.records.length)
    let later = 0
    moved.records.forEach((r, i) => {
      const was = position.get(key(r))
      expect(was).toBeDefined()
      if (was! < i) {
        later++
        expect(i - was!).toBeLessThanOrEqual(50)
      }
    })
    expect(moved.records.length).toBe(base.records.length)
    expect(later).toBeGreaterThan(0.1 * moved.records.length)
    expect(later).toBeLessThanOrEqual(moved.truth.displaced)
  })

  it('delivers events in event-time order when nothing is reordered', () => {
    const { records } = generateWorkload({ jobs: 2000, seed: 4 })
    let last = 0
    for (const r of records) {
      const time = Date.parse(text(r)!.match(/"time":"([^"]+)"/)![1]!)
      expect(time).toBeGreaterThanOrEqual(last)
      last = time
    }
  })

  it('counts top-level submissions as jobs, array children on top', () => {
    const { jobsTruth, truth } = generateWorkload({ jobs: 2500, seed: 21 })
    const rows = [...jobsTruth.values()]
    expect(rows.filter((r) => r.array_parent_id === null)).toHaveLength(2500)
    expect(rows.length).toBe(truth.jobRows)
    expect(rows.some((r) => r.is_array_parent)).toBe(true)
    expect(rows.some((r) => r.job_kind === 'service')).toBe(true)
  })

  it('spreads submissions over the day, busier in working hours', () => {
    const { jobsTruth } = generateWorkload({ jobs: 3000, seed: 2 })
    const start = Date.UTC(2026, 10, 30)
    const hours = [...jobsTruth.values()].filter((r) => r.array_parent_id === null).map((r) => (r.created_at - start) / 3_600_000)
    expect(Math.min(...hours)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...hours)).toBeLessThan(24)
    const working = hours.filter((h) => h >= 10 && h < 17).length
    const night = hours.filter((h) => h >= 4 && h < 7).length
    expect(working / 7).toBeGreaterThan((night / 3) * 3)
  })

  it('is empty for zero jobs', () => {
    const { records, truth } = generateWorkload({ jobs: 0, seed: 1 })
    expect(records).toEqual([])
    expect(truth.uniqueEvents).toBe(0)
  })

  it('rejects a bad option with a message naming it', () => {
    expect(() => generateWorkload({ jobs: -1, seed: 1 })).toThrow(BatchmeterError)
    expect(() => generateWorkload({ jobs: 10, seed: 1, duplicates: 1.5 })).toThrow(/duplicates/)
    expect(() => generateWorkload({ jobs: 10, seed: 1, account: '12' })).toThrow(/account/)
    expect(() => generateWorkload({ jobs: 10, seed: 1, region: 'Mars' })).toThrow(/region/)
    expect(() => generateWorkload({ jobs: 1.5, seed: 1 })).toThrow(/jobs/)
  })

  it('uses the account and region given', () => {
    const { records } = generateWorkload({ jobs: 50, seed: 1, account: '210987654321', region: 'eu-west-1' })
    const json = text(records.find((r) => r.kind === 'event')!)!
    expect(json).toContain('"account":"210987654321"')
    expect(json).toContain('arn:aws:batch:eu-west-1:210987654321:job-queue/')
  })
})
