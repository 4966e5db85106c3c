import {
  type Attempt,
  type BatchEvent,
  DetailType,
  JOB_STATUSES,
  type JobKind,
  type JobStatus,
  type Platform,
} from './batchEvent.js'
import { ResourceError, readJobResources } from './resources.js'

/** What parsing one EventBridge event can give: an event, a known event to skip, or a reason it is invalid. */
export type ParseOutcome =
  | { outcome: 'event'; event: BatchEvent }
  | { outcome: 'skipped'; detailType: string }
  | { outcome: 'invalid'; field: string; reason: string }

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const STATUS_SET: ReadonlySet<string> = new Set(JOB_STATUSES)

const KIND_BY_DETAIL_TYPE: Readonly<Record<string, { type: BatchEvent['type']; kind: JobKind }>> = {
  [DetailType.JobStateChange]: { type: 'job-state', kind: 'batch' },
  [DetailType.ServiceJobStateChange]: { type: 'job-state', kind: 'service' },
  [DetailType.JobQueueBlocked]: { type: 'queue-blocked', kind: 'batch' },
  [DetailType.ServiceJobQueueBlocked]: { type: 'queue-blocked', kind: 'service' },
}

class FieldError extends Error {
  constructor(readonly field: string, reason: string) {
    super(reason)
  }
}

function requireString(o: Obj, key: string, path: string): string {
  const v = o[key]
  if (typeof v !== 'string' || v.length === 0) {
    throw new FieldError(`${path}${key}`, v === undefined ? `${path}${key} is missing` : `${path}${key} must be a non-empty string, got ${describe(v)}`)
  }
  return v
}

function optString(o: Obj, key: string, path: string): string | null {
  const v = o[key]
  if (v === undefined || v === null) return null
  if (typeof v !== 'string') throw new FieldError(`${path}${key}`, `${path}${key} must be a string, got ${describe(v)}`)
  return v
}

function optNumber(o: Obj, key: string, path: string, what = 'a number'): number | null {
  const v = o[key]
  if (v === undefined || v === null) return null
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new FieldError(`${path}${key}`, `${path}${key} must be ${what}, got ${describe(v)}`)
  return v
}

/** The JS Date range: a timestamp outside it has no date, so no partition. */
const MAX_EPOCH_MS = 8.64e15
const INT32_MIN = -(2 ** 31)
const INT32_MAX = 2 ** 31 - 1
/** Larger than any job's vCPUs, GPUs or MiB of memory (multi-node jobs included). */
const MAX_RESOURCE = 1e9

/**
 * Epoch milliseconds: a whole number within the Date range. A fraction or a number
 * past the range could not be written as a Parquet timestamp or dated into a partition,
 * and would stop every flush of its shard; it is a dead letter instead.
 */
function optEpochMs(o: Obj, key: string, path: string): number | null {
  const v = optNumber(o, key, path, 'epoch milliseconds (a whole number)')
  if (v !== null && (!Number.isInteger(v) || Math.abs(v) > MAX_EPOCH_MS)) throw new FieldError(`${path}${key}`, `${path}${key} must be epoch milliseconds (a whole number within ±${MAX_EPOCH_MS}), got ${describe(v)}`)
  return v
}

/** A whole number that fits the tables' 32-bit integer columns (exit codes, array index and size, node count). */
function optInt(o: Obj, key: string, path: string): number | null {
  const v = optNumber(o, key, path, 'a whole number')
  if (v !== null && (!Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX)) throw new FieldError(`${path}${key}`, `${path}${key} must be a whole number from ${INT32_MIN} to ${INT32_MAX}, got ${describe(v)}`)
  return v
}

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'string') return v.length > 40 ? `a string "${v.slice(0, 40)}…"` : `"${v}"`
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`
}

/** `arn:aws:batch:…:job-queue/NAME` → `NAME`; a bare name stays as it is. */
export function queueName(queue: string): string {
  const i = queue.lastIndexOf('job-queue/')
  return i >= 0 ? queue.slice(i + 'job-queue/'.length) : queue
}

/** `arn:aws:batch:…:job-definition/NAME:REV` → `NAME:REV`. */
export function definitionName(definition: string): string {
  const i = definition.lastIndexOf('job-definition/')
  return i >= 0 ? definition.slice(i + 'job-definition/'.length) : definition
}

/** `CODE - message` → `CODE` (AWS's blocked-queue reasons read like that). */
export function blockedReasonCode(statusReason: string): string {
  const i = statusReason.indexOf(' - ')
  return (i >= 0 ? statusReason.slice(0, i) : statusReason).trim()
}

function readAttempts(detail: Obj): Attempt[] {
  const list = detail.attempts
  if (list === undefined || list === null) return []
  if (!Array.isArray(list)) throw new FieldError('detail.attempts', `detail.attempts must be an array, got ${describe(list)}`)
  return list.map((a, i) => {
    const path = `detail.attempts[${i}].`
    if (!isObj(a)) throw new FieldError(`detail.attempts[${i}]`, `detail.attempts[${i}] must be an object, got ${describe(a)}`)
    const container = isObj(a.container) ? a.container : undefined
    return {
      startedAt: optEpochMs(a, 'startedAt', path),
      stoppedAt: optEpochMs(a, 'stoppedAt', path),
      exitCode: container ? optInt(container, 'exitCode', `${path}container.`) : null,
      statusReason: optString(a, 'statusReason', path),
    }
  })
}

function readPlatform(detail: Obj): Platform | null {
  const caps = detail.platformCapabilities
  if (caps === undefined || caps === null) return null
  if (!Array.isArray(caps)) throw new FieldError('detail.platformCapabilities', `detail.platformCapabilities must be an array, got ${describe(caps)}`)
  if (caps.includes('FARGATE')) return 'FARGATE'
  if (caps.includes('EC2')) return 'EC2'
  return null
}

function readTags(detail: Obj): Record<string, string> {
  const tags = detail.tags
  if (tags === undefined || tags === null) return {}
  if (!isObj(tags)) throw new FieldError('detail.tags', `detail.tags must be an object of strings, got ${describe(tags)}`)
  for (const k in tags) {
    const v = tags[k]
    if (typeof v !== 'string') throw new FieldError(`detail.tags.${k}`, `detail.tags.${k} must be a string, got ${describe(v)}`)
  }
  // JSON.parse made this object and nothing else holds it: keep it rather than copy.
  return tags as Record<string, string>
}

function readEnvelope(raw: unknown): { env: Obj; detail: Obj; detailType: string } | ParseOutcome {
  if (!isObj(raw)) return { outcome: 'invalid', field: '(event)', reason: `the event must be a JSON object, got ${describe(raw)}` }
  if (raw.source !== 'aws.batch') {
    return { outcome: 'invalid', field: 'source', reason: `source must be "aws.batch", got ${describe(raw.source)}` }
  }
  const detailType = raw['detail-type']
  if (typeof detailType !== 'string') return { outcome: 'invalid', field: 'detail-type', reason: `detail-type must be a string, got ${describe(detailType)}` }
  if (!(detailType in KIND_BY_DETAIL_TYPE)) return { outcome: 'skipped', detailType }
  if (!isObj(raw.detail)) return { outcome: 'invalid', field: 'detail', reason: `detail must be an object, got ${describe(raw.detail)}` }
  return { env: raw, detail: raw.detail, detailType }
}

/**
 * Parses one EventBridge event (already JSON-decoded) into the event model.
 * Tolerates unknown properties and legacy shapes; only `id`, `time` and the job's
 * id, name, queue and status are required. Other `aws.batch` detail-types
 * (CloudTrail API calls…) come back as `skipped`.
 */
export function parseBatchEvent(raw: unknown): ParseOutcome {
  const head = readEnvelope(raw)
  if ('outcome' in head) return head
  const { env, detail, detailType } = head
  const { type, kind } = KIND_BY_DETAIL_TYPE[detailType]!
  try {
    const eventId = requireString(env, 'id', '')
    const timeText = requireString(env, 'time', '')
    const eventTime = Date.parse(timeText)
    if (Number.isNaN(eventTime)) throw new FieldError('time', `time must be an ISO-8601 timestamp, got ${describe(timeText)}`)
    const account = optString(env, 'account', '')
    const region = optString(env, 'region', '')
    const jobId = requireString(detail, 'jobId', 'detail.')
    const jobName = requireString(detail, 'jobName', 'detail.')
    const jobQueue = queueName(requireString(detail, 'jobQueue', 'detail.'))
    const status = requireString(detail, 'status', 'detail.')
    if (!STATUS_SET.has(status)) throw new FieldError('detail.status', `detail.status must be one of ${JOB_STATUSES.join(', ')}, got ${describe(status)}`)
    const def = optString(detail, 'jobDefinition', 'detail.')
    const jobDefinition = def === null ? null : definitionName(def)
    const statusReason = optString(detail, 'statusReason', 'detail.')

    if (type === 'queue-blocked') {
      if (statusReason === null) throw new FieldError('detail.statusReason', 'detail.statusReason (the blocked reason) is missing')
      return {
        outcome: 'event',
        event: { type, kind, eventId, eventTime, account, region, jobId, jobName, jobQueue, jobDefinition, status: status as JobStatus, reason: blockedReasonCode(statusReason), statusReason },
      }
    }

    const attempts = readAttempts(detail)
    const resources = readJobResources(detail)
    // Past any machine's size: multiplied by a run time it would turn a report's sums into Infinity.
    for (const [name, value] of [['vCPUs', resources.vcpus], ['memory MiB', resources.memoryMib], ['GPUs', resources.gpus]] as const) {
      if (value !== null && value > MAX_RESOURCE) throw new FieldError('detail.container', `the job asks for ${value} ${name}, more than ${MAX_RESOURCE}; this is not a real job's size`)
    }
    const container = isObj(detail.container) ? detail.container : {}
    const arrayProps = isObj(detail.arrayProperties) ? detail.arrayProperties : {}
    const arraySize = optInt(arrayProps, 'size', 'detail.arrayProperties.')
    const arrayIndex = optInt(arrayProps, 'index', 'detail.arrayProperties.')
    const colon = jobId.indexOf(':')
    const nodeProps = isObj(detail.nodeProperties) ? detail.nodeProperties : {}
    const nodeDetails = isObj(detail.nodeDetails) ? detail.nodeDetails : {}
    const runtime = isObj(container.runtimePlatform) ? container.runtimePlatform : {}
    const lastAttempt = attempts[attempts.length - 1]
    return {
      outcome: 'event',
      event: {
        type,
        kind,
        eventId,
        eventTime,
        account,
        region,
        jobId,
        jobArn: optString(detail, 'jobArn', 'detail.'),
        jobName,
        jobQueue,
        jobDefinition,
        status: status as JobStatus,
        statusReason,
        attempt: attempts.length,
        attempts,
        createdAt: optEpochMs(detail, 'createdAt', 'detail.'),
        startedAt: optEpochMs(detail, 'startedAt', 'detail.'),
        stoppedAt: optEpochMs(detail, 'stoppedAt', 'detail.'),
        exitCode: optInt(container, 'exitCode', 'detail.container.') ?? lastAttempt?.exitCode ?? null,
        platform: readPlatform(detail),
        cpuArchitecture: optString(runtime, 'cpuArchitecture', 'detail.container.runtimePlatform.'),
        vcpus: resources.vcpus,
        memoryMib: resources.memoryMib,
        gpus: resources.gpus,
        arraySize: arrayIndex === null ? arraySize : null,
        arrayParentId: arrayIndex !== null && colon > 0 ? jobId.slice(0, colon) : null,
        arrayIndex,
        isArrayParent: arraySize !== null && arrayIndex === null,
        numNodes: optInt(nodeProps, 'numNodes', 'detail.nodeProperties.'),
        nodeIndex: optNumber(nodeDetails, 'nodeIndex', 'detail.nodeDetails.'),
        shareIdentifier: optString(detail, 'shareIdentifier', 'detail.'),
        schedulingPriority: optNumber(detail, 'schedulingPriority', 'detail.'),
        tags: readTags(detail),
      },
    }
  } catch (error) {
    if (error instanceof FieldError || error instanceof ResourceError) return { outcome: 'invalid', field: error.field, reason: error.message }
    throw error
  }
}

/** Parses one event from its JSON text; bad JSON is `invalid` with the parser's message. */
export function parseBatchEventJson(text: string): ParseOutcome {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    return { outcome: 'invalid', field: '(json)', reason: `not valid JSON: ${(error as Error).message}` }
  }
  return parseBatchEvent(raw)
}
