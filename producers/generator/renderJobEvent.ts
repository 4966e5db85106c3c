/**
 * Renders a batch job's events (`Batch Job State Change`, `Batch Job Queue Blocked`)
 * as AWS sends them. The parts of the detail that never change are serialised once
 * per job (those shared by a definition and team, once per run, in the cache); each
 * event only adds its status, attempts, times and container state.
 */
import { DetailType, isTerminal } from '../model/batchEvent.js'
import { flattenString as flat } from './flattenString.js'
import type { AttemptPlan, JobPlan, TransitionPlan } from './jobPlan.js'
import { type RenderContext, renderEnvelope } from './renderEnvelope.js'

/** Fragments shared by every job of one definition and team. */
interface DefinitionFragments {
  retry: string
  definition: string
}
/** Fragments shared by many jobs, kept for one generator run. */
export type RenderCache = Map<string, DefinitionFragments>

const q = JSON.stringify
/** An object's JSON without its braces, to splice into a larger object. */
const inner = (o: object): string => JSON.stringify(o).slice(1, -1)

function staticContainer(plan: JobPlan, ctx: RenderContext): string {
  const def = plan.definition
  const fargate = def.platformCapabilities[0] === 'FARGATE'
  const c: Record<string, unknown> = {
    image: def.image,
    command: def.command,
    jobRoleArn: `arn:aws:iam::${ctx.account}:role/batch-${plan.team.team}-job-role`,
  }
  if (fargate) c.executionRoleArn = `arn:aws:iam::${ctx.account}:role/ecsTaskExecutionRole`
  Object.assign(c, { volumes: [], environment: [{ name: 'TEAM', value: plan.team.team }], mountPoints: [], readonlyRootFilesystem: false, ulimits: [] })
  if (!fargate) c.privileged = false
  if (def.resourceShape === 'legacy') {
    c.vcpus = def.vcpus
    c.memory = def.memoryMib
  } else {
    const req = [
      { value: String(def.vcpus), type: 'VCPU' },
      { value: String(def.memoryMib), type: 'MEMORY' },
    ]
    if (def.gpus > 0) req.push({ value: String(def.gpus), type: 'GPU' })
    c.resourceRequirements = req
  }
  if (fargate) {
    c.networkConfiguration = { assignPublicIp: 'DISABLED' }
    c.fargatePlatformConfiguration = { platformVersion: 'LATEST' }
    c.runtimePlatform = { operatingSystemFamily: 'LINUX', cpuArchitecture: def.cpuArchitecture ?? 'X86_64' }
  }
  c.secrets = []
  return inner(c)
}

/** From `dependsOn` to the container's static fields: the same for every job of a definition and team. */
function definitionFragments(plan: JobPlan, ctx: RenderContext): DefinitionFragments {
  const def = plan.definition
  const evaluate = def.retryOn === 'host' ? [{ onStatusReason: 'Host EC2*', action: 'RETRY' }, { onReason: '*', action: 'EXIT' }] : []
  const arn = `arn:aws:batch:${ctx.region}:${ctx.account}:job-definition/${def.name}:${def.revision}`
  return {
    retry: flat(`,"retryStrategy":${q({ attempts: def.retryAttempts, evaluateOnExit: evaluate })}`),
    definition: flat(`,"jobDefinition":${q(arn)},"parameters":{},"container":{${staticContainer(plan, ctx)}`),
  }
}

export interface JobEventTemplate {
  plan: JobPlan
  ctx: RenderContext
  head: string
  share: string
  created: string
  containerHead: string
  arrayChild: string
  tail: string
  stateResources: string
  blockedResources: string
  /** `arn:aws:ecs:…:task/CLUSTER/`, `…:container-instance/CLUSTER/` */
  taskPrefix: string
  instancePrefix: string
  /** `attempts` JSON by number of ended attempts. */
  attempts: string[]
}

export function createJobEventTemplate(plan: JobPlan, ctx: RenderContext, cache: RenderCache): JobEventTemplate {
  const { account, region } = ctx
  const def = plan.definition
  const jobArn = `arn:aws:batch:${region}:${account}:job/${plan.jobId}`
  const queueArn = `arn:aws:batch:${region}:${account}:job-queue/${plan.queue.name}`
  const key = `${def.name}:${def.revision}|${plan.team.team}`
  let shared = cache.get(key)
  if (shared === undefined) {
    shared = definitionFragments(plan, ctx)
    cache.set(key, shared)
  }
  const dependsOn = plan.dependsOn === null ? '[]' : q([{ jobId: plan.dependsOn, type: 'SEQUENTIAL' }])
  return {
    plan,
    ctx,
    head: flat(`{"jobArn":${q(jobArn)},"jobName":${q(plan.jobName)},"jobId":${q(plan.jobId)},"jobQueue":${q(queueArn)},"status":"`),
    share: plan.shareIdentifier === null ? '' : flat(`,"shareIdentifier":${q(plan.shareIdentifier)},"schedulingPriority":${plan.schedulingPriority ?? 0}`),
    created: flat(`,"createdAt":${plan.createdAt}${shared.retry}`),
    containerHead: flat(`,"dependsOn":${dependsOn}${shared.definition}`),
    arrayChild: plan.array?.role === 'child' ? `,"arrayProperties":{"index":${plan.array.index}}` : '',
    tail: flat(
      (def.timeoutS === null ? '' : `,"timeout":{"attemptDurationSeconds":${def.timeoutS}}`) +
        (plan.tags === null ? '' : `,"tags":${q(plan.tags)}`) +
        `,"propagateTags":${plan.tags !== null},"platformCapabilities":${q(def.platformCapabilities)},"eksAttempts":[]}`,
    ),
    stateResources: `[${q(jobArn)}]`,
    blockedResources: `[${q(jobArn)},${q(queueArn)}]`,
    taskPrefix: `arn:aws:ecs:${region}:${account}:task/${plan.queue.cluster}/`,
    instancePrefix: `arn:aws:ecs:${region}:${account}:container-instance/${plan.queue.cluster}/`,
    attempts: ['[]'],
  }
}

/** The container fields of one attempt; exit code and reason only once it has ended. */
function attemptContainer(t: JobEventTemplate, a: AttemptPlan, ended: boolean): string {
  let s = a.containerInstanceId === null ? '' : `"containerInstanceArn":"${t.instancePrefix}${a.containerInstanceId}",`
  s += `"taskArn":"${t.taskPrefix}${a.taskId}"`
  if (ended && a.exitCode !== null) s += `,"exitCode":${a.exitCode}`
  if (ended && a.containerReason !== null) s += `,"reason":${q(a.containerReason)}`
  s += `,"logStreamName":"${t.plan.definition.name}/default/${a.taskId}","networkInterfaces":`
  if (a.containerInstanceId !== null) return `${s}[]`
  // Fargate tasks have an ENI of their own.
  const id = a.taskId
  return `${s}[{"attachmentId":"${id.slice(0, 8)}-${id.slice(8, 12)}-4${id.slice(13, 16)}-8${id.slice(17, 20)}-${id.slice(20)}","privateIpv4Address":"10.0.${parseInt(id.slice(0, 2), 16)}.${parseInt(id.slice(2, 4), 16)}"}]`
}

function attemptsUpTo(t: JobEventTemplate, n: number): string {
  const cache = t.attempts
  for (let k = cache.length; k <= n; k++) {
    const a = t.plan.attempts[k - 1]!
    const entry = `{"container":{${attemptContainer(t, a, true)}},"startedAt":${a.startedAt},"stoppedAt":${a.stoppedAt},"statusReason":${q(a.statusReason)}}`
    cache.push(flat(k === 1 ? `[${entry}]` : `${cache[k - 1]!.slice(0, -1)},${entry}]`))
  }
  return cache[n]!
}

export function renderJobEvent(t: JobEventTemplate, tr: TransitionPlan, eventId: string): string {
  const plan = t.plan
  const terminal = isTerminal(tr.status)
  // The attempt whose container the event shows: the running one, or the last one that ended.
  const shown = tr.status === 'RUNNING' ? plan.attempts[tr.ended] : terminal && tr.ended > 0 ? plan.attempts[tr.ended - 1] : undefined
  const reason = tr.type === 'blocked' ? tr.blockedReason : terminal ? plan.statusReason : null
  let detail = t.head + tr.status + '"' + t.share + ',"attempts":' + attemptsUpTo(t, tr.ended)
  if (reason !== null) detail += `,"statusReason":${q(reason)}`
  detail += t.created
  if (shown !== undefined) detail += `,"startedAt":${shown.startedAt}`
  if (terminal) detail += `,"stoppedAt":${plan.endedAt}`
  detail += t.containerHead
  if (shown !== undefined) detail += `,${attemptContainer(t, shown, terminal)}`
  detail += '}'
  detail +=
    plan.array?.role === 'parent'
      ? `,"arrayProperties":{"statusSummary":${q(tr.arraySummary ?? {})},"statusSummaryLastUpdatedAt":${tr.at},"size":${plan.array.size}}`
      : t.arrayChild
  detail += t.tail
  return tr.type === 'blocked'
    ? renderEnvelope(eventId, DetailType.JobQueueBlocked, t.ctx, tr.at, t.blockedResources, detail)
    : renderEnvelope(eventId, DetailType.JobStateChange, t.ctx, tr.at, t.stateResources, detail)
}
