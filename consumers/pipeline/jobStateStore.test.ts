import { describe, expect, it } from 'vitest'
import { Gauge, JobStateStore } from './jobStateStore.js'

describe('JobStateStore', () => {
  it('round-trips through a snapshot, sparse extras included, and keeps deduping after restore', () => {
    const store = new JobStateStore()
    const a = store.slotOf('job-a', 'q1', Date.UTC(2026, 0, 1))
    store.markSeen(a, 3)
    store.markSeen(a, 30)
    store.markSeen(a, 60)
    store.advance(a, 25, Gauge.Running, 'q1', null)
    const b = store.slotOf('job-b', 'q2', Date.UTC(2026, 0, 1))
    store.markBlockedSeen(b, 'evt-1')
    store.advance(b, 6, Gauge.None, 'q2', Date.UTC(2026, 0, 2))
    const restored = JobStateStore.restore(store.snapshot())
    expect(restored.size).toBe(2)
    expect(restored.get('job-a')).toEqual(store.get('job-a'))
    expect(restored.get('job-b')).toEqual(store.get('job-b'))
    const ra = restored.slotOf('job-a', 'q1', 0)
    expect([3, 30, 60].map((code) => restored.markSeen(ra, code))).toEqual([true, true, true])
    expect(restored.markSeen(ra, 4)).toBe(false)
    expect(restored.markBlockedSeen(restored.slotOf('job-b', 'q2', 0), 'evt-1')).toBe(true)
    expect(restored.gaugeLevels()).toEqual(new Map([['q1', { runnable: 0, running: 1 }], ['q2', { runnable: 0, running: 0 }]]))
  })

  it('reuses the slots of evicted jobs and refuses a foreign snapshot', () => {
    const store = new JobStateStore({ retainAfterTerminalMs: 1000, maxAgeMs: 5000 })
    const t0 = Date.UTC(2026, 0, 1)
    for (let i = 0; i < 100; i++) store.advance(store.slotOf(`j${i}`, 'q', t0), 6, Gauge.None, 'q', t0)
    expect(store.evict(t0 + 2000)).toEqual([])
    expect(store.size).toBe(0)
    store.slotOf('new', 'q', t0)
    expect(store.get('new')).toMatchObject({ order: -1, seenLo: 0, gauge: Gauge.None, queue: 'q' })
    expect(() => JobStateStore.restore(new TextEncoder().encode('{"version":1}'))).toThrow(/not a batchmeter job state snapshot/)
  })
})
