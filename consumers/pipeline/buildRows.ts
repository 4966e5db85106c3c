import type { JobStateEvent, QueueBlockedEvent } from '../../producers/model/batchEvent.js'
import type { Row } from '../../core/tables.js'

/** Where a record came from: Kinesis shard and sequence number, or input file and line. */
export interface RecordSource {
  shardId: string
  sequenceNumber: string
  subSequenceNumber?: number
}

const sequenceOf = (s: RecordSource): string => (s.subSequenceNumber ? `${s.sequenceNumber}.${s.subSequenceNumber}` : s.sequenceNumber)

export function jobEventRow(event: JobStateEvent, source: RecordSource, late: boolean): Row {
  return {
    event_id: event.eventId,
    event_type: 'state_change',
    job_kind: event.kind,
    event_time: event.eventTime,
    job_id: event.jobId,
    job_name: event.jobName,
    status: event.status,
    attempt: event.attempt,
    job_queue: event.jobQueue,
    job_definition: event.jobDefinition,
    status_reason: event.statusReason,
    platform: event.platform,
    vcpus: event.vcpus,
    memory_mib: event.memoryMib,
    gpus: event.gpus,
    created_at: event.createdAt,
    started_at: event.startedAt,
    stopped_at: event.stoppedAt,
    exit_code: event.exitCode,
    is_array_parent: event.isArrayParent,
    array_parent_id: event.arrayParentId,
    array_index: event.arrayIndex,
    array_size: event.arraySize,
    num_nodes: event.numNodes,
    share_identifier: event.shareIdentifier,
    account: event.account,
    region: event.region,
    is_late: late,
    source_shard: source.shardId,
    source_sequence: sequenceOf(source),
  }
}

export function queueBlockedEventRow(event: QueueBlockedEvent, source: RecordSource): Row {
  return {
    event_id: event.eventId,
    event_type: 'queue_blocked',
    job_kind: event.kind,
    event_time: event.eventTime,
    job_id: event.jobId,
    job_name: event.jobName,
    status: event.status,
    attempt: null,
    job_queue: event.jobQueue,
    job_definition: event.jobDefinition,
    status_reason: event.statusReason,
    platform: null,
    vcpus: null,
    memory_mib: null,
    gpus: null,
    created_at: null,
    started_at: null,
    stopped_at: null,
    exit_code: null,
    is_array_parent: false,
    array_parent_id: null,
    array_index: null,
    array_size: null,
    num_nodes: null,
    share_identifier: null,
    account: event.account,
    region: event.region,
    is_late: false,
    source_shard: source.shardId,
    source_sequence: sequenceOf(source),
  }
}

/** Usage numbers of a finished job, by the formulas the reports rely on. */
export interface JobUsage {
  waitS: number | null
  runS: number | null
  billedS: number
  vcpuSeconds: number
  memoryGibSeconds: number
  gpuSeconds: number
  /**
   * A duration came out negative (stoppedAt before startedAt, startedAt before
   * createdAt: clocks that disagree) and was counted as 0. The row keeps the raw
   * timestamps, so the skew stays visible; usage is never negative.
   */
  clockSkewed: boolean
}

export function jobUsage(event: JobStateEvent): JobUsage {
  const attempts = event.attempts
  const first = attempts[0]
  const last = attempts[attempts.length - 1]
  let clockSkewed = false
  // Billing-grade: a span (ms) between two clocks that disagree is 0, never negative.
  const spanMs = (from: number | null | undefined, to: number | null | undefined): number | null => {
    if (from == null || to == null) return null
    if (to >= from) return to - from
    clockSkewed = true
    return 0
  }
  const seconds = (ms: number | null): number | null => (ms === null ? null : ms / 1000)
  const waitS = seconds(spanMs(event.createdAt, first?.startedAt))
  const runS = seconds(spanMs(last?.startedAt, last?.stoppedAt))
  if (event.isArrayParent) return { waitS, runS, billedS: 0, vcpuSeconds: 0, memoryGibSeconds: 0, gpuSeconds: 0, clockSkewed }
  // Whole milliseconds add up exactly; divide once.
  let billedMs = 0
  for (const a of attempts) billedMs += spanMs(a.startedAt, a.stoppedAt) ?? 0
  const billedS = billedMs / 1000
  return {
    waitS,
    runS,
    billedS,
    vcpuSeconds: (event.vcpus ?? 0) * billedS,
    memoryGibSeconds: ((event.memoryMib ?? 0) / 1024) * billedS,
    gpuSeconds: (event.gpus ?? 0) * billedS,
    clockSkewed,
  }
}

/** The `jobs` row, built from the terminal event alone whatever order the rest came in. */
export function jobRow(event: JobStateEvent, usage: JobUsage): Row {
  const last = event.attempts[event.attempts.length - 1]
  return {
    job_id: event.jobId,
    job_kind: event.kind,
    is_array_parent: event.isArrayParent,
    job_name: event.jobName,
    job_queue: event.jobQueue,
    job_definition: event.jobDefinition,
    status: event.status,
    status_reason: event.statusReason,
    exit_code: event.exitCode,
    attempts: event.attempts.length,
    platform: event.platform,
    cpu_architecture: event.cpuArchitecture,
    vcpus: event.vcpus,
    memory_mib: event.memoryMib,
    gpus: event.gpus,
    created_at: event.createdAt,
    started_at: last?.startedAt ?? event.startedAt,
    // AWS sets stoppedAt on terminal jobs; fall back to the event time so the row has a partition.
    stopped_at: event.stoppedAt ?? last?.stoppedAt ?? event.eventTime,
    wait_s: usage.waitS,
    run_s: usage.runS,
    billed_s: usage.billedS,
    vcpu_seconds: usage.vcpuSeconds,
    memory_gib_seconds: usage.memoryGibSeconds,
    gpu_seconds: usage.gpuSeconds,
    array_parent_id: event.arrayParentId,
    array_index: event.arrayIndex,
    array_size: event.arraySize,
    num_nodes: event.numNodes,
    share_identifier: event.shareIdentifier,
    tags: event.tags,
    account: event.account,
    region: event.region,
  }
}
