/**
 * Plans one job's life the way AWS Batch runs it: no event at submission, PENDING
 * only while waiting on a dependency, RUNNABLE → (SCHEDULED for service jobs) →
 * STARTING → RUNNING → SUCCEEDED | FAILED, and back to RUNNABLE for each retry.
 */
import { type BlockedReasonCode, blockedStatusReason } from './blockedReasons.js'
import type { Rng } from './createRng.js'
import { type AttemptPlan, type JobIdentity, type JobPlan, jobPlanOf, stateTransition, type TransitionPlan } from './jobPlan.js'
import type { JobDefinitionProfile, QueueProfile } from './queueProfiles.js'

export interface Dependency {
  jobId: string
  endedAt: number
  succeeded: boolean
}

export interface PlanJobOptions {
  dependency: Dependency | null
  /** Array children are never cancelled on their own. */
  cancellable: boolean
}

const S = 1000
const MAX_WAIT = 6 * 3600 * S
const MAX_RUN = 36 * 3600 * S

const USER_CANCEL_REASONS = ['Cancelled by user', 'Superseded by a newer submission', 'Cancelled by workflow: upstream step failed'] as const
const EXIT_FAILURES = [
  { weight: 55, exitCode: 1, reason: null },
  { weight: 15, exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
  { weight: 10, exitCode: 2, reason: null },
  { weight: 10, exitCode: 255, reason: null },
  { weight: 5, exitCode: 139, reason: null },
  { weight: 5, exitCode: 143, reason: null },
] as const
const SERVICE_FAILURES = [
  'Received status from SageMaker: AlgorithmError: ExecuteUserScriptError: ExitCode 1',
  'Received status from SageMaker: InternalServerError: We encountered an internal error. Please try again.',
  'Received status from SageMaker: CapacityError: Unable to provision requested ML compute capacity.',
] as const
const CONTAINER_EXITED = 'Essential container in task exited'
const SERVICE_COMPLETED = 'Received status from SageMaker: Training job completed'

const clamp = (v: number, lo: number, hi: number): number => Math.round(Math.min(hi, Math.max(lo, v)))

function sampleWait(rng: Rng, queue: QueueProfile): number {
  return clamp(rng.logNormal(queue.waitMedianS * S, queue.waitSigma), S, MAX_WAIT)
}

function sampleRun(rng: Rng, def: JobDefinitionProfile): number {
  const tail = rng.chance(0.01) ? rng.uniform(3, 10) : 1
  return clamp(rng.logNormal(def.runMedianS * S, def.runSigma) * tail, 2 * S, MAX_RUN)
}

interface Outcome {
  durationMs: number
  succeeded: boolean
  hostTerminated: boolean
  exitCode: number | null
  statusReason: string
  containerReason: string | null
}

function attemptOutcome(rng: Rng, plan: JobIdentity, runMs: number, doomed: boolean): Outcome {
  const { queue, definition: def } = plan
  const failed = doomed || rng.chance(def.failRate / 2)
  if (queue.kind === 'service') {
    return failed
      ? { durationMs: Math.round(runMs * rng.uniform(0.02, 1)), succeeded: false, hostTerminated: false, exitCode: null, statusReason: rng.pick(SERVICE_FAILURES), containerReason: null }
      : { durationMs: runMs, succeeded: true, hostTerminated: false, exitCode: null, statusReason: SERVICE_COMPLETED, containerReason: null }
  }
  if (queue.spot && rng.chance(0.01 + 1 - Math.exp((-queue.reclaimPerHour * runMs) / 3600 / S))) {
    return {
      durationMs: Math.round(runMs * rng.uniform(0.05, 0.95)),
      succeeded: false,
      hostTerminated: true,
      exitCode: null,
      statusReason: `Host EC2 (instance i-${rng.hex(17)}) terminated.`,
      containerReason: null,
    }
  }
  if (def.timeoutS !== null && runMs > def.timeoutS * S) {
    return { durationMs: def.timeoutS * S, succeeded: false, hostTerminated: false, exitCode: 137, statusReason: 'Job attempt duration exceeded timeout', containerReason: null }
  }
  if (failed) {
    const f = rng.weighted(EXIT_FAILURES)
    return { durationMs: Math.round(runMs * rng.uniform(0.02, 1)), succeeded: false, hostTerminated: false, exitCode: f.exitCode, statusReason: CONTAINER_EXITED, containerReason: f.reason }
  }
  return { durationMs: runMs, succeeded: true, hostTerminated: false, exitCode: 0, statusReason: CONTAINER_EXITED, containerReason: null }
}

function pickBlockedCode(rng: Rng, queue: QueueProfile, cancellable: boolean): BlockedReasonCode | null {
  const candidates = cancellable ? queue.blockedReasons : queue.blockedReasons.filter((r) => r.code.startsWith('CAPACITY:'))
  return candidates.length === 0 ? null : rng.weighted(candidates).code
}

function finish(identity: JobIdentity, attempts: AttemptPlan[], transitions: TransitionPlan[], status: 'SUCCEEDED' | 'FAILED', at: number, statusReason: string | null): JobPlan {
  transitions.push(stateTransition(status, at, attempts.length))
  return jobPlanOf(identity, { attempts, transitions, status, statusReason, endedAt: at })
}

export function planJob(identity: JobIdentity, rng: Rng, options: PlanJobOptions): JobPlan {
  const { queue, definition: def } = identity
  const transitions: TransitionPlan[] = []
  const attempts: AttemptPlan[] = []

  let t = identity.createdAt
  const dep = options.dependency
  if (dep !== null) {
    t += rng.int(300, 2500)
    transitions.push(stateTransition('PENDING', t, attempts.length))
    if (!dep.succeeded) return finish(identity, attempts, transitions, 'FAILED', Math.max(t, dep.endedAt) + rng.int(500, 3000), 'Dependent Job failed')
    t = Math.max(t + 500, dep.endedAt + rng.int(S, 8 * S))
  } else {
    t += rng.int(500, 10 * S)
  }
  transitions.push(stateTransition('RUNNABLE', t, attempts.length))

  let wait = sampleWait(rng, queue)
  if (options.cancellable && rng.chance(queue.cancelRate)) {
    return finish(identity, attempts, transitions, 'FAILED', t + Math.round(rng.uniform(0.2, 1) * wait) + S, rng.pick(USER_CANCEL_REASONS))
  }
  const code = rng.chance(queue.blockedRate) ? pickBlockedCode(rng, queue, options.cancellable) : null
  if (code !== null) {
    const blockedAt = t + rng.int(30 * S, 300 * S)
    const blockedReason = blockedStatusReason(code, rng.pick(queue.instanceTypes))
    transitions.push({ type: 'blocked', status: 'RUNNABLE', at: blockedAt, ended: 0, blockedReason, arraySummary: null })
    const misconfigured = code.startsWith('MISCONFIGURATION:')
    if (misconfigured || (options.cancellable && rng.chance(queue.capacityCancelRate))) {
      const limitS = misconfigured ? queue.misconfigLimitS : queue.capacityLimitS
      return finish(identity, attempts, transitions, 'FAILED', blockedAt + limitS * S, `${queue.limitActionVerb} by JobStateTimeLimit action due to reason: ${code}`)
    }
    wait = blockedAt - t + clamp(rng.logNormal(1800 * S, 0.8), 10 * S, MAX_WAIT)
  }

  // Half the failure rate is jobs that fail every attempt (a bug), half transient failures.
  const doomed = rng.chance(def.failRate / 2)
  const plannedRun = sampleRun(rng, def)
  let runnableAt = t
  for (let n = 0; ; n++) {
    let scheduledAt: number | null = null
    let startingAt = runnableAt + wait
    if (queue.kind === 'service') {
      scheduledAt = startingAt
      transitions.push(stateTransition('SCHEDULED', scheduledAt, attempts.length))
      startingAt = scheduledAt + rng.int(20 * S, 120 * S)
    }
    transitions.push(stateTransition('STARTING', startingAt, attempts.length))
    const startedAt = startingAt + rng.int(queue.startingMinS * S, queue.startingMaxS * S)
    transitions.push(stateTransition('RUNNING', startedAt, attempts.length))
    const run = n === 0 ? plannedRun : clamp(plannedRun * rng.uniform(0.85, 1.15), 2 * S, MAX_RUN)
    const outcome = attemptOutcome(rng, identity, run, doomed)
    const stoppedAt = startedAt + Math.max(S, outcome.durationMs)
    attempts.push({
      scheduledAt,
      startingAt,
      startedAt,
      stoppedAt,
      exitCode: outcome.exitCode,
      statusReason: outcome.statusReason,
      containerReason: outcome.containerReason,
      taskId: rng.hex(32),
      containerInstanceId: queue.kind === 'batch' && def.platformCapabilities[0] !== 'FARGATE' ? rng.hex(32) : null,
    })
    if (outcome.succeeded) return finish(identity, attempts, transitions, 'SUCCEEDED', stoppedAt, outcome.statusReason)
    const retry = n + 1 < def.retryAttempts && (def.retryOn === 'any' || outcome.hostTerminated)
    if (!retry) return finish(identity, attempts, transitions, 'FAILED', stoppedAt, outcome.statusReason)
    runnableAt = stoppedAt + rng.int(500, 5 * S)
    transitions.push(stateTransition('RUNNABLE', runnableAt, attempts.length))
    wait = sampleWait(rng, queue)
  }
}
