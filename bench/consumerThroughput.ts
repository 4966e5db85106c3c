import { JobStateStore } from '../consumers/pipeline/jobStateStore.js'
import { Pipeline } from '../consumers/pipeline/processRecords.js'
import { planOutputFiles } from '../consumers/sinks/planOutputFiles.js'
import { deaggregate, isKplAggregate } from '../consumers/decode/deaggregate.js'
import type { GeneratedRecord } from '../producers/generator/generateWorkload.js'
import { type BenchResult, rate } from './benchResult.js'

/**
 * Consumer events/s on one core against a bare JSON.parse loop over the same records
 * (the floor): the core (decode → validate → dedupe → state → aggregate) and the full
 * path (plus row building and Parquet encoding of every table).
 */
export function benchConsumerThroughput(records: readonly GeneratedRecord[]): BenchResult[] {
  const decoder = new TextDecoder()
  const n = records.length
  const floor = rate(n, () => {
    for (const r of records) JSON.parse(decoder.decode(r.data))
  })
  const runCore = (): Pipeline => {
    const pipeline = new Pipeline({ store: new JobStateStore(), now: () => 0 })
    records.forEach((r, i) => {
      // As the consumer does: plain records skip de-aggregation.
      if (!isKplAggregate(r.data)) return pipeline.processRecord({ data: r.data, shardId: 'shardId-0', sequenceNumber: String(i) })
      const d = deaggregate({ data: r.data, sequenceNumber: String(i), partitionKey: r.partitionKey, shardId: 'shardId-0' })
      if (d.ok) for (const u of d.userRecords) pipeline.processRecord({ data: u.data, shardId: 'shardId-0', sequenceNumber: u.sequenceNumber })
    })
    return pipeline
  }
  const core = rate(n, () => void runCore().drain())
  const full = rate(n, () => void planOutputFiles(runCore().drain(), '', 'bench'))
  const bytes = records.reduce((s, r) => s + r.data.byteLength, 0)
  return [
    { name: 'floor: JSON.parse loop', value: Math.round(floor), unit: 'events/s', floor: Math.round(floor), ratio: 1 },
    { name: 'consumer core (decode→validate→dedupe→state→aggregate)', value: Math.round(core), unit: 'events/s', floor: Math.round(floor), ratio: core / floor, target: '≥ 0.50', met: core / floor >= 0.5 },
    { name: 'consumer full path (core + rows + Parquet encoding)', value: Math.round(full), unit: 'events/s', floor: Math.round(floor), ratio: full / floor, target: '≥ 0.33', met: full / floor >= 0.33 },
    { name: 'average record size', value: Math.round(bytes / n), unit: 'bytes' },
  ]
}
