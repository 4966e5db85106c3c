import { JOB_STATUSES, type JobStateEvent, type QueueBlockedEvent, STATUS_RANK, isTerminal } from '../../producers/model/batchEvent.js'
import { Gauge, type JobStateStore } from './jobStateStore.js'

export type Applied =
  | { result: 'duplicate' }
  /** First sight of a transition the job had already moved past: kept in job_events, never applied. */
  | { result: 'late' }
  | { result: 'applied'; terminal: boolean; gaugeFrom: Gauge; gaugeTo: Gauge; firstSeen: boolean }

const STATUS_INDEX: Readonly<Record<string, number>> = Object.fromEntries(JOB_STATUSES.map((s, i) => [s, i]))

const gaugeOf = (status: JobStateEvent['status'], terminal: boolean): Gauge =>
  terminal ? Gauge.None : status === 'RUNNABLE' ? Gauge.Runnable : status === 'RUNNING' ? Gauge.Running : Gauge.None

/**
 * Dedupes one state change and moves the job's state forward.
 * A transition is `(jobId, status, attempt)`; a second sight of it is a duplicate
 * whatever its event id. A first sight behind the job's progress is late.
 */
export function applyJobStateEvent(store: JobStateStore, event: JobStateEvent, now: number): Applied {
  const slot = store.slotOf(event.jobId, event.jobQueue, now)
  if (store.markSeen(slot, event.attempt * 8 + STATUS_INDEX[event.status]!)) return { result: 'duplicate' }
  const order = event.attempt * 10 + STATUS_RANK[event.status]
  const current = store.orderOf(slot)
  if (order <= current || store.isTerminal(slot)) return { result: 'late' }
  const terminal = isTerminal(event.status)
  const gaugeFrom = store.gaugeOf(slot)
  const gaugeTo = gaugeOf(event.status, terminal)
  store.advance(slot, order, gaugeTo, event.jobQueue, terminal ? now : null)
  return { result: 'applied', terminal, gaugeFrom, gaugeTo, firstSeen: current === -1 }
}

/** Queue-blocked events are their own kind: deduped by event id only. */
export function applyQueueBlockedEvent(store: JobStateStore, event: QueueBlockedEvent, now: number): 'duplicate' | 'new' {
  const slot = store.slotOf(event.jobId, event.jobQueue, now)
  return store.markBlockedSeen(slot, event.eventId) ? 'duplicate' : 'new'
}
