/** What the generator decides about one job before rendering its events. Times are epoch ms. */
import type { JobStatus } from '../model/batchEvent.js'
import type { JobDefinitionProfile, QueueProfile, Team } from './queueProfiles.js'

export interface AttemptPlan {
  /** Service jobs: when the attempt reached SCHEDULED. */
  scheduledAt: number | null
  startingAt: number
  /** The STARTING → RUNNING time: the attempt's `startedAt`. */
  startedAt: number
  stoppedAt: number
  exitCode: number | null
  statusReason: string
  /** container.reason, e.g. the OOM message. */
  containerReason: string | null
  /** ECS task id (32 hex) or SageMaker training job suffix. */
  taskId: string
  /** EC2 container instance id (32 hex); null on Fargate and for service jobs. */
  containerInstanceId: string | null
}

export interface TransitionPlan {
  /** A state change, or a queue-blocked event (status RUNNABLE). */
  type: 'state' | 'blocked'
  status: JobStatus
  at: number
  /** Attempts ended by then: the length of `attempts` in the event. */
  ended: number
  /** Blocked events: the statusReason (`CODE - message`). */
  blockedReason: string | null
  /** Array parents: children per status at `at`. */
  arraySummary: Record<string, number> | null
}

/** A state change; the one builder keeps all transitions of one shape. */
export function stateTransition(status: JobStatus, at: number, ended: number, arraySummary: Record<string, number> | null = null): TransitionPlan {
  return { type: 'state', status, at, ended, blockedReason: null, arraySummary }
}

export type ArrayRole = { role: 'parent'; size: number } | { role: 'child'; parentId: string; index: number }

/** Everything about a job except its timeline. */
export interface JobIdentity {
  jobId: string
  jobName: string
  queue: QueueProfile
  definition: JobDefinitionProfile
  createdAt: number
  dependsOn: string | null
  array: ArrayRole | null
  team: Team
  /** Tags as the events carry them; null when the job has none. */
  tags: Record<string, string> | null
  shareIdentifier: string | null
  schedulingPriority: number | null
}

export interface JobPlan extends JobIdentity {
  attempts: AttemptPlan[]
  transitions: TransitionPlan[]
  status: 'SUCCEEDED' | 'FAILED'
  statusReason: string | null
  /** Time of the terminal transition (for jobs with attempts: the last attempt's stop). */
  endedAt: number
}

// Both builders list every field, so all identities and all plans share one object
// shape (spreads would not), which keeps the renderers' property accesses fast.

/** A copy of `identity` with some fields changed. */
export function identityWith(identity: JobIdentity, changes: Partial<JobIdentity>): JobIdentity {
  const id = { ...identity, ...changes }
  return {
    jobId: id.jobId,
    jobName: id.jobName,
    queue: id.queue,
    definition: id.definition,
    createdAt: id.createdAt,
    dependsOn: id.dependsOn,
    array: id.array,
    team: id.team,
    tags: id.tags,
    shareIdentifier: id.shareIdentifier,
    schedulingPriority: id.schedulingPriority,
  }
}

export function jobPlanOf(
  id: JobIdentity,
  timeline: Pick<JobPlan, 'attempts' | 'transitions' | 'status' | 'statusReason' | 'endedAt'>,
): JobPlan {
  return {
    jobId: id.jobId,
    jobName: id.jobName,
    queue: id.queue,
    definition: id.definition,
    createdAt: id.createdAt,
    dependsOn: id.dependsOn,
    array: id.array,
    team: id.team,
    tags: id.tags,
    shareIdentifier: id.shareIdentifier,
    schedulingPriority: id.schedulingPriority,
    attempts: timeline.attempts,
    transitions: timeline.transitions,
    status: timeline.status,
    statusReason: timeline.statusReason,
    endedAt: timeline.endedAt,
  }
}
