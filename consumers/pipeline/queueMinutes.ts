import type { JobStatus } from '../../producers/model/batchEvent.js'
import { type Row, STATUSES_COLUMNS } from '../../core/tables.js'
import { Gauge } from './jobStateStore.js'
import type { JobUsage } from './buildRows.js'

interface Acc {
  minute: number
  queue: string
  to: Record<string, number>
  finished: number
  succeeded: number
  failed: number
  retried: number
  vcpuS: number
  memS: number
  gpuS: number
  waitSum: number
  waitCount: number
  waitMax: number | null
  runSum: number
  runCount: number
  runMax: number | null
  runnableDelta: number
  runningDelta: number
  blocked: number
  blockedBy: Record<string, number>
  submitted: number
}

export const minuteOf = (ms: number): number => Math.floor(ms / 60_000) * 60_000

/**
 * Per-queue, per-minute sums (event time). Rows from several flushes or workers add up:
 * every column is a count, a sum, a max or a gauge delta.
 */
export class QueueMinutes {
  /** queue → minute → sums; nested maps avoid building a string key per event. */
  private readonly accs = new Map<string, Map<number, Acc>>()

  get size(): number {
    let n = 0
    for (const m of this.accs.values()) n += m.size
    return n
  }

  private acc(queue: string, time: number): Acc {
    const minute = minuteOf(time)
    let byMinute = this.accs.get(queue)
    if (!byMinute) this.accs.set(queue, (byMinute = new Map()))
    let a = byMinute.get(minute)
    if (!a) {
      a = {
        minute, queue, to: {}, finished: 0, succeeded: 0, failed: 0, retried: 0, vcpuS: 0, memS: 0, gpuS: 0,
        waitSum: 0, waitCount: 0, waitMax: null, runSum: 0, runCount: 0, runMax: null,
        runnableDelta: 0, runningDelta: 0, blocked: 0, blockedBy: {}, submitted: 0,
      }
      byMinute.set(minute, a)
    }
    return a
  }

  transition(queue: string, time: number, status: JobStatus): void {
    const a = this.acc(queue, time)
    a.to[status] = (a.to[status] ?? 0) + 1
  }

  /** A job seen for the first time (AWS emits no event at submission). */
  submitted(queue: string, time: number): void {
    this.acc(queue, time).submitted++
  }

  gauge(queue: string, time: number, from: Gauge, to: Gauge): void {
    if (from === to) return
    const a = this.acc(queue, time)
    if (from === Gauge.Runnable) a.runnableDelta--
    if (from === Gauge.Running) a.runningDelta--
    if (to === Gauge.Runnable) a.runnableDelta++
    if (to === Gauge.Running) a.runningDelta++
  }

  finished(queue: string, time: number, status: JobStatus, attempts: number, usage: JobUsage): void {
    const a = this.acc(queue, time)
    a.finished++
    if (status === 'SUCCEEDED') a.succeeded++
    else a.failed++
    a.retried += Math.max(0, attempts - 1)
    a.vcpuS += usage.vcpuSeconds
    a.memS += usage.memoryGibSeconds
    a.gpuS += usage.gpuSeconds
    if (usage.waitS !== null) {
      a.waitSum += usage.waitS
      a.waitCount++
      a.waitMax = Math.max(a.waitMax ?? usage.waitS, usage.waitS)
    }
    if (usage.runS !== null) {
      a.runSum += usage.runS
      a.runCount++
      a.runMax = Math.max(a.runMax ?? usage.runS, usage.runS)
    }
  }

  blocked(queue: string, time: number, reason: string): void {
    const a = this.acc(queue, time)
    a.blocked++
    a.blockedBy[reason] = (a.blockedBy[reason] ?? 0) + 1
  }

  /** Rows for everything accumulated so far, then starts empty. */
  drain(): Row[] {
    const rows: Row[] = []
    for (const a of [...this.accs.values()].flatMap((m) => [...m.values()])) {
      const row: Row = { minute: a.minute, job_queue: a.queue }
      for (const s of STATUSES_COLUMNS) row[`to_${s}`] = a.to[s.toUpperCase()] ?? 0
      Object.assign(row, {
        jobs_finished: a.finished,
        jobs_succeeded: a.succeeded,
        jobs_failed: a.failed,
        retried_attempts: a.retried,
        vcpu_seconds: a.vcpuS,
        memory_gib_seconds: a.memS,
        gpu_seconds: a.gpuS,
        wait_s_sum: a.waitSum,
        wait_s_count: a.waitCount,
        wait_s_max: a.waitMax,
        run_s_sum: a.runSum,
        run_s_count: a.runCount,
        run_s_max: a.runMax,
        runnable_delta: a.runnableDelta,
        running_delta: a.runningDelta,
        blocked_events: a.blocked,
        blocked_by_reason: a.blockedBy,
        jobs_submitted: a.submitted,
      })
      rows.push(row)
    }
    this.accs.clear()
    rows.sort((x, y) => (x.minute as number) - (y.minute as number) || String(x.job_queue).localeCompare(String(y.job_queue)))
    return rows
  }
}
