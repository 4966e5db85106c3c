/**
 * The event model: what batchmeter understands of an AWS Batch EventBridge event.
 * One definition, imported by the producers (which generate events) and the
 * consumers (which parse them).
 */

export const DetailType = {
  JobStateChange: 'Batch Job State Change',
  JobQueueBlocked: 'Batch Job Queue Blocked',
  ServiceJobStateChange: 'Batch Service Job State Change',
  ServiceJobQueueBlocked: 'Batch Service Job Queue Blocked',
} as const
export type DetailType = (typeof DetailType)[keyof typeof DetailType]

export const JOB_STATUSES = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'SCHEDULED', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED'] as const
export type JobStatus = (typeof JOB_STATUSES)[number]

/** Progress order of a status; SUCCEEDED and FAILED share the top rank. SCHEDULED is service jobs' step between RUNNABLE and STARTING. */
export const STATUS_RANK: Readonly<Record<JobStatus, number>> = {
  SUBMITTED: 0,
  PENDING: 1,
  RUNNABLE: 2,
  SCHEDULED: 3,
  STARTING: 4,
  RUNNING: 5,
  SUCCEEDED: 6,
  FAILED: 6,
}

export const isTerminal = (status: JobStatus): boolean => status === 'SUCCEEDED' || status === 'FAILED'

export type Platform = 'EC2' | 'FARGATE'
export type JobKind = 'batch' | 'service'

/** The EventBridge envelope as AWS sends it. */
export interface EventBridgeEnvelope<D = unknown> {
  version: string
  id: string
  'detail-type': string
  source: string
  account: string
  time: string
  region: string
  resources: string[]
  detail: D
}

export interface Attempt {
  startedAt: number | null
  stoppedAt: number | null
  exitCode: number | null
  statusReason: string | null
}

/** A job or service-job state change, flattened to what the pipeline needs. Times are epoch ms. */
export interface JobStateEvent {
  type: 'job-state'
  kind: JobKind
  eventId: string
  /** Envelope `time` (second precision), epoch ms. */
  eventTime: number
  account: string | null
  region: string | null
  jobId: string
  jobArn: string | null
  jobName: string
  /** Queue name: the last segment of the queue ARN. */
  jobQueue: string
  /** `name:revision`, from the definition ARN. */
  jobDefinition: string | null
  status: JobStatus
  statusReason: string | null
  /** Number of entries in `attempts`: keeps retries of one job apart. */
  attempt: number
  attempts: Attempt[]
  createdAt: number | null
  startedAt: number | null
  stoppedAt: number | null
  exitCode: number | null
  platform: Platform | null
  cpuArchitecture: string | null
  vcpus: number | null
  memoryMib: number | null
  gpus: number | null
  /** Set on array parents (their size) and on children (the parent's id and the index). */
  arraySize: number | null
  arrayParentId: string | null
  arrayIndex: number | null
  isArrayParent: boolean
  numNodes: number | null
  nodeIndex: number | null
  shareIdentifier: string | null
  schedulingPriority: number | null
  tags: Record<string, string>
}

/** A RUNNABLE job stuck in its queue (job or service job), with AWS's reason. */
export interface QueueBlockedEvent {
  type: 'queue-blocked'
  kind: JobKind
  eventId: string
  eventTime: number
  account: string | null
  region: string | null
  jobId: string
  jobName: string
  jobQueue: string
  jobDefinition: string | null
  status: JobStatus
  /** The reason code, e.g. `CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY`: statusReason up to ` - `. */
  reason: string
  /** AWS's whole text, e.g. `CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - Service cannot fulfill … [p4d.24xlarge]`. */
  statusReason: string
}

export type BatchEvent = JobStateEvent | QueueBlockedEvent
