/**
 * The synthetic AWS Batch workload: a day of jobs over realistic queues, rendered as
 * the Kinesis records an EventBridge rule (`source: aws.batch`, PartitionKeyPath
 * `$.detail.jobId`) would write, with the ground truth a consumer must reproduce.
 * Deterministic: the same options give byte-identical records. The workload itself
 * draws from one random stream and each kind of noise from its own, so turning noise
 * up or down never changes the jobs or their events.
 */
import { createRng, type Rng } from './createRng.js'
import { addEventToTruth, addJobToTruth, createGroundTruth, type GroundTruth, type JobTruth } from './groundTruth.js'
import { createJobIdentity } from './jobIdentity.js'
import { identityWith, type JobPlan } from './jobPlan.js'
import { jobTruthRow } from './jobTruthRow.js'
import { planArrayJob } from './planArrayJob.js'
import { type Dependency, planJob } from './planJob.js'
import { QUEUE_PROFILES } from './queueProfiles.js'
import { createRecordCollector, type RecordCollector } from './recordCollector.js'
import { renderCloudTrailEvent } from './renderCloudTrailEvent.js'
import type { RenderContext } from './renderEnvelope.js'
import { createJobEventTemplate, type RenderCache, renderJobEvent } from './renderJobEvent.js'
import { createServiceJobEventTemplate, renderServiceJobEvent } from './renderServiceJobEvent.js'
import { resolveWorkloadOptions } from './resolveWorkloadOptions.js'
import { displaceRecords } from './displaceRecords.js'
import { submissionTimes } from './submissionTimes.js'

export interface WorkloadOptions {
  /** Top-level submissions (an array parent counts as one; its children are extra jobs). */
  jobs: number
  seed: number
  /** Epoch ms of the window's start. Default Date.UTC(2026, 10, 30). */
  start?: number
  /** Submissions spread over this many hours with a diurnal curve. Default 24. */
  durationHours?: number
  /** 0..1: extra deliveries per valid event; half the same record, half the same transition under a new event id. Default 0. */
  duplicates?: number
  /** 0..1: fraction of records moved 1..50 records later. Default 0. */
  reorder?: number
  /** 0..1: malformed records added per valid event. Default 0. */
  malformed?: number
  /** 0..1: CloudTrail `SubmitJob` events per submission. Default 0.03. */
  cloudtrail?: number
  /** Default '123456789012'. */
  account?: string
  /** Default 'us-east-1'. */
  region?: string
  /** Fill `Workload.jobsTruth` (one row per job; turn off to save memory on huge runs). Default true. */
  jobsTruth?: boolean
}

export interface GeneratedRecord {
  /** detail.jobId, as the rule's PartitionKeyPath `$.detail.jobId` gives it (CloudTrail events: the event id). */
  partitionKey: string
  /** The record bytes: UTF-8 JSON of the whole EventBridge event, or malformed bytes. Never contains `\n` or `\r`. */
  data: Uint8Array
  kind: 'event' | 'duplicate-same-id' | 'duplicate-new-id' | 'malformed' | 'cloudtrail'
}

export interface Workload {
  records: GeneratedRecord[]
  truth: GroundTruth
  /** The expected `jobs` row per job id (array parents and children included); empty when `jobsTruth: false`. */
  jobsTruth: Map<string, JobTruth>
}

const MAX_REORDER_SHIFT = 50
const STREAM = { plan: 1, duplicates: 2, malformed: 3, cloudtrail: 4, reorder: 5 } as const

function arraySize(rng: Rng): number {
  return rng.chance(0.03) ? rng.int(50, 200) : Math.round(Math.exp(rng.uniform(Math.log(2), Math.log(25))))
}

function submitCall(job: JobPlan, rng: Rng, ctx: RenderContext): { eventId: string; json: string } {
  const service = job.queue.kind === 'service'
  const arn = `arn:aws:batch:${ctx.region}:${ctx.account}:${service ? 'service-job' : 'job'}/${job.jobId}`
  const request: Record<string, unknown> = service
    ? { jobName: job.jobName, jobQueue: job.queue.name, serviceJobType: 'SAGEMAKER_TRAINING' }
    : { jobName: job.jobName, jobQueue: job.queue.name, jobDefinition: `${job.definition.name}:${job.definition.revision}` }
  if (job.array?.role === 'parent') request.arrayProperties = { size: job.array.size }
  if (job.dependsOn !== null) request.dependsOn = [{ jobId: job.dependsOn }]
  if (job.shareIdentifier !== null) request.shareIdentifier = job.shareIdentifier
  const eventId = rng.uuid()
  const json = renderCloudTrailEvent(
    {
      eventName: service ? 'SubmitServiceJob' : 'SubmitJob',
      at: job.createdAt,
      eventId,
      requestId: rng.uuid(),
      trailEventId: rng.uuid(),
      requestParameters: request,
      responseElements: { jobArn: arn, jobName: job.jobName, jobId: job.jobId },
      roleName: `${job.team.team}-submitter`,
    },
    ctx,
  )
  return { eventId, json }
}

export function generateWorkload(options: WorkloadOptions): Workload {
  const o = resolveWorkloadOptions(options)
  const ctx: RenderContext = { account: o.account, region: o.region }
  const rng = createRng(o.seed, STREAM.plan)
  const trailRng = createRng(o.seed, STREAM.cloudtrail)
  const collector: RecordCollector = createRecordCollector({
    duplicates: o.duplicates,
    malformed: o.malformed,
    duplicateRng: createRng(o.seed, STREAM.duplicates),
    malformedRng: createRng(o.seed, STREAM.malformed),
  })
  const truth = createGroundTruth(QUEUE_PROFILES.map((q) => q.name))
  const jobsTruth = new Map<string, JobTruth>()
  const cache: RenderCache = new Map()

  const emit = (job: JobPlan): void => {
    if (job.queue.kind === 'service') {
      const template = createServiceJobEventTemplate(job, ctx)
      for (const tr of job.transitions) collector.addEvent(tr.at, job.jobId, renderServiceJobEvent(template, tr, rng.uuid()), tr.type === 'blocked')
    } else {
      const template = createJobEventTemplate(job, ctx, cache)
      for (const tr of job.transitions) collector.addEvent(tr.at, job.jobId, renderJobEvent(template, tr, rng.uuid()), tr.type === 'blocked')
    }
    for (const tr of job.transitions) addEventToTruth(truth, job.queue.name, tr)
    const row = jobTruthRow(job, ctx)
    addJobToTruth(truth, row)
    if (o.jobsTruth) jobsTruth.set(job.jobId, row)
  }
  const submitted = (job: JobPlan): void => {
    if (!trailRng.chance(o.cloudtrail)) return
    const { eventId, json } = submitCall(job, trailRng, ctx)
    // The rule's $.detail.jobId does not exist in a CloudTrail event: key it by its event id.
    collector.addCloudTrail(job.createdAt, eventId, json)
  }

  const submitAt = submissionTimes(o.jobs, o.start, o.durationHours, rng)
  let slot = 0
  while (slot < o.jobs) {
    const queue = rng.weighted(QUEUE_PROFILES)
    const identity = createJobIdentity(rng, queue, submitAt[slot]!, slot, ctx)
    if (rng.chance(queue.arrayRate)) {
      const { parent, children } = planArrayJob(identity, arraySize(rng), rng)
      for (const child of children) emit(child)
      emit(parent)
      submitted(parent)
      slot += 1
    } else if (o.jobs - slot >= 2 && rng.chance(queue.pipelineRate)) {
      // A pipeline submitted at once: each step depends on the one before.
      const steps = Math.min(o.jobs - slot, rng.int(2, 3))
      let previous: Dependency | null = null
      for (let k = 0; k < steps; k++) {
        const step =
          previous === null
            ? identity
            : identityWith(createJobIdentity(rng, queue, identity.createdAt + k * rng.int(100, 1500), slot + k, ctx, identity.team), { dependsOn: previous.jobId })
        const job = planJob(step, rng, { dependency: previous, cancellable: true })
        emit(job)
        submitted(job)
        previous = { jobId: job.jobId, endedAt: job.endedAt, succeeded: job.status === 'SUCCEEDED' }
      }
      slot += steps
    } else {
      const job = planJob(identity, rng, { dependency: null, cancellable: true })
      emit(job)
      submitted(job)
      slot += 1
    }
  }

  // Delivery order: by time, ties in the order made (which keeps each job's own order).
  const { records: made, times } = collector
  const order = new Uint32Array(made.length)
  for (let i = 0; i < order.length; i++) order[i] = i
  order.sort((a, b) => times[a]! - times[b]! || a - b)
  const { items, displaced } = displaceRecords(order, o.reorder, MAX_REORDER_SHIFT, createRng(o.seed, STREAM.reorder))
  const records = items.map((i) => made[i]!)
  Object.assign(truth, collector.counts, { records: records.length, displaced })
  return { records, truth, jobsTruth }
}
