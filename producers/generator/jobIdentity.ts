import type { Rng } from './createRng.js'
import type { JobIdentity } from './jobPlan.js'
import { type QueueProfile, type Team, TEAMS } from './queueProfiles.js'
import type { RenderContext } from './renderEnvelope.js'

const PRIORITIES = [10, 50, 90] as const

/** Who submits a new job and how: definition, team, tags, fair-share identifier and priority. */
export function createJobIdentity(rng: Rng, queue: QueueProfile, createdAt: number, index: number, ctx: RenderContext, team: Team = rng.weighted(TEAMS)): JobIdentity {
  const definition = rng.weighted(queue.definitions)
  const jobId = rng.uuid()
  const r = rng.next()
  let tags: Record<string, string> | null = null
  // Service job events carry no tags; some batch jobs have none, or only the resourceArn tag.
  if (queue.kind === 'batch' && r >= 0.07) {
    tags = r < 0.1
      ? { resourceArn: `arn:aws:batch:${ctx.region}:${ctx.account}:job/${jobId}` }
      : { team: team.team, project: rng.pick(team.projects), 'cost-center': team.costCenter }
  }
  return {
    jobId,
    jobName: `${definition.name}-${String(index).padStart(6, '0')}`,
    queue,
    definition,
    createdAt,
    dependsOn: null,
    array: null,
    team,
    tags,
    shareIdentifier: queue.fairShare ? team.share : null,
    schedulingPriority: queue.fairShare ? rng.pick(PRIORITIES) : null,
  }
}
