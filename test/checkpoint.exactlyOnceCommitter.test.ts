import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CommitStep, ExactlyOnceCommitter } from '../consumers/checkpoint/exactlyOnceCommitter.js'
import { JobStateStore } from '../consumers/pipeline/jobStateStore.js'
import { createDirObjectStore } from '../consumers/sinks/dirObjectStore.js'
import type { ObjectStore } from '../consumers/sinks/objectStore.js'
import type { OutputFile } from '../consumers/sinks/planOutputFiles.js'

const file = (key: string, text: string): OutputFile => ({ key, body: new TextEncoder().encode(text), contentType: 'text/plain', table: 'jobs', rows: 1 })

async function keys(store: ObjectStore): Promise<string[]> {
  const out: string[] = []
  for await (const o of store.list('')) out.push(o.key)
  return out.sort()
}

class Crash extends Error {}

describe('ExactlyOnceCommitter', () => {
  let dir: string
  let store: ObjectStore
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bm-commit-'))
    store = createDirObjectStore(dir)
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  const snapshotWith = (jobId: string) => {
    const s = new JobStateStore()
    s.slotOf(jobId, 'q', 0)
    return s.snapshot()
  }

  it('commits files, snapshot and checkpoint, and recovers the state and positions', async () => {
    const c = new ExactlyOnceCommitter({ objectStore: store, prefix: 'p', streamName: 's' })
    await c.recover()
    await c.commit({ files: [file('p/jobs/dt=2026-11-30/a-1.parquet', 'one')], positions: { a: '1' }, snapshot: snapshotWith('j1') })
    await c.commit({ files: [file('p/jobs/dt=2026-11-30/a-2.parquet', 'two')], positions: { a: '2' }, snapshot: snapshotWith('j2') })
    const again = await new ExactlyOnceCommitter({ objectStore: store, prefix: 'p', streamName: 's' }).recover()
    expect(again.positions).toEqual({ a: '2' })
    expect(again.flush).toBe(2)
    expect(again.store.has('j2')).toBe(true)
    expect(again.store.has('j1')).toBe(false)
    // The previous snapshot is gone; only the current one is kept.
    expect((await keys(store)).filter((k) => k.includes('state-'))).toEqual(['p/_batchmeter/consumer/s/state-0000000002.bin.gz'])
  })

  it.each([CommitStep.IntentWritten, CommitStep.FileWritten, CommitStep.FilesWritten, CommitStep.SnapshotWritten])(
    'a crash after %s leaves no file of the unfinished flush and resumes at the last checkpoint',
    async (crashStep) => {
      const first = new ExactlyOnceCommitter({ objectStore: store, prefix: '', streamName: 's' })
      await first.recover()
      await first.commit({ files: [file('jobs/dt=2026-11-30/a-1.parquet', 'one')], positions: { a: '1' }, snapshot: snapshotWith('j1') })
      const crashing = new ExactlyOnceCommitter({
        objectStore: store, prefix: '', streamName: 's',
        onStep: (step) => { if (step === crashStep) throw new Crash(step) },
      })
      await crashing.recover()
      await expect(crashing.commit({ files: [file('jobs/dt=2026-11-30/a-2.parquet', 'two'), file('jobs/dt=2026-12-01/a-2.parquet', 'three')], positions: { a: '2' }, snapshot: snapshotWith('j2') })).rejects.toBeInstanceOf(Crash)
      const recovered = await new ExactlyOnceCommitter({ objectStore: store, prefix: '', streamName: 's' }).recover()
      expect(recovered.positions).toEqual({ a: '1' })
      expect(recovered.store.has('j1')).toBe(true)
      const data = (await keys(store)).filter((k) => !k.startsWith('_batchmeter'))
      expect(data).toEqual(['jobs/dt=2026-11-30/a-1.parquet'])
    },
  )

  it('a crash after the checkpoint keeps the flush: it is committed', async () => {
    const c = new ExactlyOnceCommitter({ objectStore: store, prefix: '', streamName: 's', onStep: (step) => { if (step === CommitStep.CheckpointWritten) throw new Crash() } })
    await c.recover()
    await expect(c.commit({ files: [file('jobs/dt=2026-11-30/a-1.parquet', 'one')], positions: { a: '1' }, snapshot: snapshotWith('j1') })).rejects.toBeInstanceOf(Crash)
    const recovered = await new ExactlyOnceCommitter({ objectStore: store, prefix: '', streamName: 's' }).recover()
    expect(recovered).toMatchObject({ positions: { a: '1' }, flush: 1, removedFiles: 0 })
    expect(await keys(store)).toContain('jobs/dt=2026-11-30/a-1.parquet')
  })
})
