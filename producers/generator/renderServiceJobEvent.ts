/**
 * Renders a SageMaker training service job's events (`Batch Service Job State
 * Change`, `Batch Service Job Queue Blocked`), shaped like the AWS Batch User Guide's
 * examples: no container and no resources, attempts name the training job.
 */
import { DetailType, isTerminal } from '../model/batchEvent.js'
import { flattenString as flat } from './flattenString.js'
import type { AttemptPlan, JobPlan, TransitionPlan } from './jobPlan.js'
import { type RenderContext, renderEnvelope } from './renderEnvelope.js'

const q = JSON.stringify

export interface ServiceJobEventTemplate {
  plan: JobPlan
  ctx: RenderContext
  resources: string
  ids: string
  retry: string
  priority: string
  tail: string
  trainingJobPrefix: string
  attempts: string[]
}

export function createServiceJobEventTemplate(plan: JobPlan, ctx: RenderContext): ServiceJobEventTemplate {
  const { account, region } = ctx
  const def = plan.definition
  const jobArn = `arn:aws:batch:${region}:${account}:service-job/${plan.jobId}`
  const queueArn = `arn:aws:batch:${region}:${account}:job-queue/${plan.queue.name}`
  return {
    plan,
    ctx,
    resources: `[${q(jobArn)}]`,
    ids: flat(`,"jobArn":${q(jobArn)},"jobId":${q(plan.jobId)},"jobName":${q(plan.jobName)},"jobQueue":${q(queueArn)}`),
    retry: `,"retryStrategy":{"attempts":${def.retryAttempts}}`,
    priority: plan.shareIdentifier === null ? '' : `,"schedulingPriority":${plan.schedulingPriority ?? 0}`,
    tail: flat(
      (plan.shareIdentifier === null ? '' : `,"shareIdentifier":${q(plan.shareIdentifier)}`) +
        `,"timeoutConfig":{"attemptDurationSeconds":${def.timeoutS ?? 86400}}` +
        `,"capacityUsage":[{"capacityUnit":"NUM_INSTANCES","quantity":${def.instanceCount ?? 1}}]}`,
    ),
    trainingJobPrefix: `arn:aws:sagemaker:${region}:${account}:training-job/AWSBatch${plan.jobName}`,
    attempts: ['[]'],
  }
}

const resourceId = (t: ServiceJobEventTemplate, a: AttemptPlan): string => `{"name":"TrainingJobArn","value":"${t.trainingJobPrefix}${a.taskId}"}`

function attemptsUpTo(t: ServiceJobEventTemplate, n: number): string {
  const cache = t.attempts
  for (let k = cache.length; k <= n; k++) {
    const a = t.plan.attempts[k - 1]!
    const entry = `{"serviceResourceId":${resourceId(t, a)},"startedAt":${a.startedAt},"stoppedAt":${a.stoppedAt},"statusReason":${q(a.statusReason)}}`
    cache.push(flat(k === 1 ? `[${entry}]` : `${cache[k - 1]!.slice(0, -1)},${entry}]`))
  }
  return cache[n]!
}

export function renderServiceJobEvent(t: ServiceJobEventTemplate, tr: TransitionPlan, eventId: string): string {
  const plan = t.plan
  const terminal = isTerminal(tr.status)
  // The current attempt once it is scheduled (SCHEDULED, STARTING, RUNNING), else the last one that ended.
  const current = tr.status === 'SCHEDULED' || tr.status === 'STARTING' || tr.status === 'RUNNING' ? plan.attempts[tr.ended] : undefined
  const latest = tr.status === 'RUNNING' ? current : tr.ended > 0 ? plan.attempts[tr.ended - 1] : undefined
  const shown = current ?? (terminal ? latest : undefined)
  const reason = tr.type === 'blocked' ? tr.blockedReason : terminal ? plan.statusReason : null
  let detail = `{"attempts":${attemptsUpTo(t, tr.ended)},"createdAt":${plan.createdAt}${t.ids}`
  if (latest !== undefined) detail += `,"latestAttempt":{"serviceResourceId":${resourceId(t, latest)}}`
  detail += t.retry
  if (shown !== undefined && shown.scheduledAt !== null) detail += `,"scheduledAt":${shown.scheduledAt}`
  detail += t.priority + ',"serviceJobType":"SAGEMAKER_TRAINING"'
  if (shown !== undefined && (tr.status === 'RUNNING' || terminal)) detail += `,"startedAt":${shown.startedAt}`
  detail += `,"status":"${tr.status}"`
  if (reason !== null) detail += `,"statusReason":${q(reason)}`
  if (terminal) detail += `,"stoppedAt":${plan.endedAt}`
  detail += t.tail
  return tr.type === 'blocked'
    ? renderEnvelope(eventId, DetailType.ServiceJobQueueBlocked, t.ctx, tr.at, t.resources, detail)
    : renderEnvelope(eventId, DetailType.ServiceJobStateChange, t.ctx, tr.at, t.resources, detail)
}
