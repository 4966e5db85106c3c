import { parseBatchEvent } from '../../producers/model/parseBatchEvent.js'
import type { JobStateEvent, QueueBlockedEvent } from '../../producers/model/batchEvent.js'
import type { Row } from '../../core/tables.js'
import { applyJobStateEvent, applyQueueBlockedEvent } from './applyEvent.js'
import { type JobUsage, type RecordSource, jobEventRow, jobRow, jobUsage, queueBlockedEventRow } from './buildRows.js'
import type { DeadLetter } from './deadLetter.js'
import { Gauge, type JobStateStore } from './jobStateStore.js'
import { QueueMinutes } from './queueMinutes.js'

/** One user record (after KPL de-aggregation). */
export interface UserRecord extends RecordSource {
  data: Uint8Array
}

export interface PipelineCounters {
  records: number
  stateChanges: number
  queueBlocked: number
  duplicates: number
  late: number
  skipped: number
  deadLetters: number
  jobsFinished: number
  /** Finished jobs whose timestamps disagree (a negative wait, run or attempt): those spans count as 0. */
  clockSkewed: number
}

/** A finished job, for metrics publishers (distributions need each value). */
export interface FinishedJob {
  jobId: string
  time: number
  queue: string
  definition: string | null
  status: JobStateEvent['status']
  kind: JobStateEvent['kind']
  platform: JobStateEvent['platform']
  cpuArchitecture: string | null
  attempts: number
  usage: JobUsage
}

export interface PipelineOutput {
  jobEvents: Row[]
  jobs: Row[]
  queueMinutes: Row[]
  deadLetters: DeadLetter[]
  finished: FinishedJob[]
}

export interface PipelineOptions {
  store: JobStateStore
  /** Processing clock (ms); the state store's expiry runs on it. */
  now?: () => number
}

const MAX_RECORD_BYTES = 1024 * 1024

/**
 * The consumer core: records in; rows, aggregates and dead letters out.
 * No I/O: the edges feed records and write what `drain()` returns.
 */
export class Pipeline {
  readonly counters: PipelineCounters = { records: 0, stateChanges: 0, queueBlocked: 0, duplicates: 0, late: 0, skipped: 0, deadLetters: 0, jobsFinished: 0, clockSkewed: 0 }
  readonly store: JobStateStore
  private readonly now: () => number
  private readonly decoder = new TextDecoder('utf-8', { fatal: true })
  private readonly minutes = new QueueMinutes()
  private jobEvents: Row[] = []
  private jobs: Row[] = []
  private deadLetters: DeadLetter[] = []
  private finished: FinishedJob[] = []

  constructor(options: PipelineOptions) {
    this.store = options.store
    this.now = options.now ?? Date.now
  }

  processRecord(record: UserRecord): void {
    this.counters.records++
    if (record.data.byteLength > MAX_RECORD_BYTES) {
      this.deadLetter(record, '(record)', `record is ${record.data.byteLength} bytes, over the 1 MiB Kinesis limit`)
      return
    }
    let raw: unknown
    try {
      raw = JSON.parse(this.decoder.decode(record.data))
    } catch (error) {
      const why = error instanceof SyntaxError ? `not valid JSON: ${error.message}` : 'not valid UTF-8'
      this.deadLetter(record, '(json)', why)
      return
    }
    const parsed = parseBatchEvent(raw)
    if (parsed.outcome === 'skipped') {
      this.counters.skipped++
      return
    }
    if (parsed.outcome === 'invalid') {
      this.deadLetter(record, parsed.field, parsed.reason)
      return
    }
    const event = parsed.event
    if (event.type === 'queue-blocked') this.onQueueBlocked(event, record)
    else this.onStateChange(event, record)
  }

  /** A record that failed before JSON (e.g. a corrupt KPL aggregate). */
  rejectRecord(record: UserRecord, field: string, reason: string): void {
    this.counters.records++
    this.deadLetter(record, field, reason)
  }

  private onQueueBlocked(event: QueueBlockedEvent, source: RecordSource): void {
    if (applyQueueBlockedEvent(this.store, event, this.now()) === 'duplicate') {
      this.counters.duplicates++
      return
    }
    this.counters.queueBlocked++
    this.jobEvents.push(queueBlockedEventRow(event, source))
    this.minutes.blocked(event.jobQueue, event.eventTime, event.reason)
  }

  private onStateChange(event: JobStateEvent, source: RecordSource): void {
    const applied = applyJobStateEvent(this.store, event, this.now())
    if (applied.result === 'duplicate') {
      this.counters.duplicates++
      return
    }
    this.counters.stateChanges++
    const late = applied.result === 'late'
    if (late) this.counters.late++
    this.jobEvents.push(jobEventRow(event, source, late))
    this.minutes.transition(event.jobQueue, event.eventTime, event.status)
    if (applied.result !== 'applied') return
    this.minutes.gauge(event.jobQueue, event.eventTime, applied.gaugeFrom, applied.gaugeTo)
    if (applied.firstSeen && !event.isArrayParent) this.minutes.submitted(event.jobQueue, event.eventTime)
    if (!applied.terminal) return
    const usage = jobUsage(event)
    if (usage.clockSkewed) this.counters.clockSkewed++
    this.jobs.push(jobRow(event, usage))
    if (event.isArrayParent) return
    this.counters.jobsFinished++
    this.minutes.finished(event.jobQueue, event.eventTime, event.status, event.attempts.length, usage)
    this.finished.push({
      jobId: event.jobId,
      time: event.eventTime,
      queue: event.jobQueue,
      definition: event.jobDefinition,
      status: event.status,
      kind: event.kind,
      platform: event.platform,
      cpuArchitecture: event.cpuArchitecture,
      attempts: event.attempts.length,
      usage,
    })
  }

  private deadLetter(record: UserRecord, field: string | null, reason: string): void {
    this.counters.deadLetters++
    this.deadLetters.push({
      reason,
      field,
      shard: record.shardId,
      sequence: record.sequenceNumber,
      subSequence: record.subSequenceNumber ?? null,
      receivedAt: this.now(),
      dataBase64: Buffer.from(record.data.buffer, record.data.byteOffset, record.data.byteLength).toString('base64'),
    })
  }

  /** Expires old state; jobs dropped while RUNNABLE or RUNNING leave their gauge at `time`. */
  expireState(time: number): number {
    const dropped = this.store.evict(this.now())
    for (const d of dropped) this.minutes.gauge(d.queue, time, d.gauge, Gauge.None)
    return dropped.length
  }

  /** Everything produced since the last drain. */
  drain(): PipelineOutput {
    const out: PipelineOutput = {
      jobEvents: this.jobEvents,
      jobs: this.jobs,
      queueMinutes: this.minutes.drain(),
      deadLetters: this.deadLetters,
      finished: this.finished,
    }
    this.jobEvents = []
    this.jobs = []
    this.deadLetters = []
    this.finished = []
    return out
  }
}
