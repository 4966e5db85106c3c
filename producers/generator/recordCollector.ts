/**
 * Collects the records in the making, each with its event time, and adds the noise
 * real delivery brings: extra deliveries (the same record again, or the same
 * transition under a new event id) and malformed records.
 */
import { createByteArena } from './createByteArena.js'
import type { Rng } from './createRng.js'
import type { GeneratedRecord } from './generateWorkload.js'
import { malformRecord } from './malformRecord.js'
import { withEventId } from './renderEnvelope.js'

export interface NoiseCounts {
  duplicatesSameId: number
  duplicatesNewId: number
  malformed: number
  malformedByVariant: Record<string, number>
  cloudtrail: number
}

export interface RecordCollector {
  /** Records in the order they were made. */
  readonly records: GeneratedRecord[]
  /** Each record's delivery time (ms): the event's time, later for a re-delivery. */
  readonly times: number[]
  readonly counts: NoiseCounts
  /** One valid state-change (or queue-blocked) event, plus the noise it may draw. */
  addEvent(at: number, partitionKey: string, eventJson: string, blocked: boolean): void
  addCloudTrail(at: number, partitionKey: string, eventJson: string): void
}

export interface RecordCollectorOptions {
  duplicates: number
  malformed: number
  duplicateRng: Rng
  malformedRng: Rng
}

export function createRecordCollector(options: RecordCollectorOptions): RecordCollector {
  const { duplicates, malformed, duplicateRng: dup, malformedRng: bad } = options
  const records: GeneratedRecord[] = []
  const times: number[] = []
  const encode = createByteArena()
  const counts: NoiseCounts = { duplicatesSameId: 0, duplicatesNewId: 0, malformed: 0, malformedByVariant: {}, cloudtrail: 0 }
  const push = (at: number, partitionKey: string, data: Uint8Array, kind: GeneratedRecord['kind']): void => {
    records.push({ partitionKey, data, kind })
    times.push(at)
  }

  return {
    records,
    times,
    counts,
    addEvent(at, partitionKey, eventJson, blocked) {
      const data = encode(eventJson)
      push(at, partitionKey, data, 'event')
      if (dup.chance(duplicates)) {
        // EventBridge re-delivers after seconds, sometimes after a long target retry.
        const later = at + 1 + Math.round(dup.chance(0.1) ? dup.uniform(300_000, 3_600_000) : dup.exponential(20_000))
        // A new id only for state changes: a queue-blocked event is only ever identified by its id.
        if (!blocked && dup.chance(0.5)) {
          push(later, partitionKey, encode(withEventId(eventJson, dup.uuid())), 'duplicate-new-id')
          counts.duplicatesNewId++
        } else {
          push(later, partitionKey, data, 'duplicate-same-id')
          counts.duplicatesSameId++
        }
      }
      if (bad.chance(malformed)) {
        const { variant, data: junk } = malformRecord(eventJson, bad, bad.uuid(), blocked)
        push(at + bad.int(0, 2000), partitionKey, junk, 'malformed')
        counts.malformed++
        counts.malformedByVariant[variant] = (counts.malformedByVariant[variant] ?? 0) + 1
      }
    },
    addCloudTrail(at, partitionKey, eventJson) {
      push(at, partitionKey, encode(eventJson), 'cloudtrail')
      counts.cloudtrail++
    },
  }
}
