/**
 * Plans an array job: the parent is bookkeeping (PENDING, then it follows its
 * children: RUNNABLE / STARTING / RUNNING with the first child, SUCCEEDED when all
 * succeed or FAILED when one fails, after the last one ends); each child
 * `<parentId>:<index>` runs like any job and carries the resources.
 */
import type { JobStatus } from '../model/batchEvent.js'
import type { Rng } from './createRng.js'
import { identityWith, type JobIdentity, type JobPlan, jobPlanOf, stateTransition, type TransitionPlan } from './jobPlan.js'
import { planJob } from './planJob.js'

const SUMMARY_STATUSES = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED'] as const

function firstAt(children: readonly JobPlan[], status: JobStatus): number | null {
  let first: number | null = null
  for (const child of children) {
    const tr = child.transitions.find((x) => x.type === 'state' && x.status === status)
    if (tr !== undefined && (first === null || tr.at < first)) first = tr.at
  }
  return first
}

/** Children per status at time `at`, as `arrayProperties.statusSummary` reports them. */
function statusSummary(children: readonly JobPlan[], at: number): Record<string, number> {
  const summary: Record<string, number> = {}
  for (const s of SUMMARY_STATUSES) summary[s] = 0
  for (const child of children) {
    if (child.createdAt > at) continue
    let status: string = 'SUBMITTED'
    for (const tr of child.transitions) {
      if (tr.at > at) break
      if (tr.type === 'state') status = tr.status
    }
    summary[status] = (summary[status] ?? 0) + 1
  }
  return summary
}

export function planArrayJob(parent: JobIdentity, size: number, rng: Rng): { parent: JobPlan; children: JobPlan[] } {
  const pendingAt = parent.createdAt + rng.int(200, 1500)
  const childrenCreatedAt = pendingAt + rng.int(100, 1000)
  const children: JobPlan[] = []
  for (let index = 0; index < size; index++) {
    const identity = identityWith(parent, {
      jobId: `${parent.jobId}:${index}`,
      createdAt: childrenCreatedAt,
      array: { role: 'child', parentId: parent.jobId, index },
    })
    children.push(planJob(identity, rng, { dependency: null, cancellable: false }))
  }

  const transitions: TransitionPlan[] = [stateTransition('PENDING', pendingAt, 0, {})]
  for (const status of ['RUNNABLE', 'STARTING', 'RUNNING'] as const) {
    const at = firstAt(children, status)
    if (at !== null) transitions.push(stateTransition(status, at, 0, statusSummary(children, at)))
  }
  let lastEnd = pendingAt
  for (const child of children) lastEnd = Math.max(lastEnd, child.endedAt)
  const endedAt = lastEnd + rng.int(500, 3000)
  const status = children.every((c) => c.status === 'SUCCEEDED') ? 'SUCCEEDED' : 'FAILED'
  transitions.push(stateTransition(status, endedAt, 0, statusSummary(children, endedAt)))

  return {
    parent: jobPlanOf(identityWith(parent, { array: { role: 'parent', size } }), { attempts: [], transitions, status, statusReason: null, endedAt }),
    children,
  }
}
