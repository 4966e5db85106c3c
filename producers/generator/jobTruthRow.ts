import type { JobPlan } from './jobPlan.js'
import { type JobTruth, jobUsage } from './groundTruth.js'
import type { RenderContext } from './renderEnvelope.js'

/** The `jobs` row a consumer must write for a planned job, from the same facts its events carry. */
export function jobTruthRow(plan: JobPlan, ctx: RenderContext): JobTruth {
  const def = plan.definition
  const service = plan.queue.kind === 'service'
  const caps = def.platformCapabilities
  const platform = caps.includes('FARGATE') ? 'FARGATE' : caps.includes('EC2') ? 'EC2' : null
  const vcpus = service ? null : def.vcpus
  const memoryMib = service ? null : def.memoryMib
  const gpus = service || def.gpus === 0 ? null : def.gpus
  const last = plan.attempts[plan.attempts.length - 1]
  const array = plan.array
  const usage = jobUsage(plan.createdAt, plan.attempts, vcpus, memoryMib, gpus)
  return {
    job_id: plan.jobId,
    job_kind: service ? 'service' : 'batch',
    is_array_parent: array?.role === 'parent',
    job_name: plan.jobName,
    job_queue: plan.queue.name,
    job_definition: service ? null : `${def.name}:${def.revision}`,
    status: plan.status,
    status_reason: plan.statusReason,
    exit_code: last?.exitCode ?? null,
    attempts: plan.attempts.length,
    platform,
    cpu_architecture: platform === 'FARGATE' ? (def.cpuArchitecture ?? 'X86_64') : null,
    vcpus,
    memory_mib: memoryMib,
    gpus,
    created_at: plan.createdAt,
    started_at: last?.startedAt ?? null,
    stopped_at: plan.endedAt,
    wait_s: usage.wait_s,
    run_s: usage.run_s,
    billed_s: usage.billed_s,
    vcpu_seconds: usage.vcpu_seconds,
    memory_gib_seconds: usage.memory_gib_seconds,
    gpu_seconds: usage.gpu_seconds,
    array_parent_id: array?.role === 'child' ? array.parentId : null,
    array_index: array?.role === 'child' ? array.index : null,
    array_size: array?.role === 'parent' ? array.size : null,
    num_nodes: null,
    share_identifier: plan.shareIdentifier,
    tags: plan.tags ?? {},
    account: ctx.account,
    region: ctx.region,
  }
}
