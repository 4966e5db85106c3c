/**
 * Turns a valid event into a record a consumer must dead-letter: cut JSON, binary
 * garbage, a missing jobId, an unknown status or wrongly typed fields. Every variant
 * gets a fresh event id (so it can never shadow the valid event it came from), and
 * none contains a newline or carriage return (records must fit one NDJSON line).
 */
import type { Rng } from './createRng.js'
import { withEventId } from './renderEnvelope.js'

export const MALFORMED_VARIANTS = [
  'truncated',
  'binary',
  'missing-job-id',
  'unknown-status',
  'created-at-text',
  'resource-value-text',
  'attempts-not-array',
  'tag-not-string',
] as const
export type MalformedVariant = (typeof MALFORMED_VARIANTS)[number]

/** The variants a queue-blocked event can carry: the parser reads fewer fields of those. */
const BLOCKED_VARIANTS: readonly MalformedVariant[] = ['truncated', 'binary', 'missing-job-id', 'unknown-status']
const UNKNOWN_STATUSES = ['PAUSED', 'DELETED', 'running', 'SUCCEEDED_WITH_ERRORS'] as const

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

function binaryGarbage(rng: Rng): Uint8Array {
  const bytes = new Uint8Array(rng.int(16, 300))
  // First byte: a control byte or a high byte below 0xF3, so it is neither JSON nor the KPL magic (F3 89 9A C2).
  bytes[0] = rng.chance(0.5) ? rng.int(0x00, 0x08) : rng.int(0x80, 0xf2)
  for (let i = 1; i < bytes.length; i++) {
    let b = rng.int(0, 255)
    while (b === 0x0a || b === 0x0d) b = rng.int(0, 255)
    bytes[i] = b
  }
  return bytes
}

function mutate(eventJson: string, variant: MalformedVariant, rng: Rng): string {
  const event = JSON.parse(eventJson) as Obj
  const detail = isObj(event.detail) ? event.detail : {}
  const container = isObj(detail.container) ? detail.container : null
  const requirements = container !== null && Array.isArray(container.resourceRequirements) ? (container.resourceRequirements as unknown[]) : null
  switch (variant) {
    case 'missing-job-id':
      delete detail.jobId
      break
    case 'unknown-status':
      detail.status = rng.pick(UNKNOWN_STATUSES)
      break
    case 'resource-value-text':
      if (requirements !== null && isObj(requirements[0])) {
        requirements[0].value = 'lots'
        break
      }
      detail.createdAt = 'yesterday'
      break
    case 'attempts-not-array':
      detail.attempts = 'none'
      break
    case 'tag-not-string':
      detail.tags = { ...(isObj(detail.tags) ? detail.tags : {}), priority: 3 }
      break
    default:
      detail.createdAt = 'yesterday'
  }
  return JSON.stringify(event)
}

export function malformRecord(eventJson: string, rng: Rng, freshEventId: string, blocked: boolean): { variant: MalformedVariant; data: Uint8Array } {
  const variant = rng.pick(blocked ? BLOCKED_VARIANTS : MALFORMED_VARIANTS)
  if (variant === 'binary') return { variant, data: binaryGarbage(rng) }
  const renamed = withEventId(eventJson, freshEventId)
  // A proper prefix of a JSON object's text is never valid JSON.
  const text = variant === 'truncated' ? renamed.slice(0, rng.int(1, renamed.length - 2)) : mutate(renamed, variant, rng)
  return { variant, data: Buffer.from(text) }
}
