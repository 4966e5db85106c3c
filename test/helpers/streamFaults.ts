import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis'
import { awsError } from './kinesisTestKit.js'

type Send = (command: unknown, options?: unknown) => Promise<unknown>
interface AnyCommand {
  constructor: { name: string }
  input: Record<string, unknown>
}

const wrap = (client: KinesisClient, send: (command: AnyCommand, options: unknown, real: Send) => Promise<unknown>): KinesisClient => {
  const real: Send = (c, o) => (client.send as Send).call(client, c, o)
  return Object.assign(Object.create(client) as KinesisClient, { send: ((c: AnyCommand, o?: unknown) => send(c, o, real)) as unknown as KinesisClient['send'] })
}

/**
 * A Kinesis client whose shards lost their oldest records to retention: every record
 * of `shardId` before `trimHorizon[shardId]` is gone. As Kinesis does, TRIM_HORIZON
 * starts at the oldest record left and a position before it is answered without an
 * error, reading on from the trim horizon (the gap is silent).
 */
export function withTrimmedShards(client: KinesisClient, trimHorizon: ReadonlyMap<string, string>): KinesisClient {
  return wrap(client, (command, options, real) => {
    if (command.constructor.name !== 'GetShardIteratorCommand') return real(command, options)
    const input = command.input as { ShardId: string; ShardIteratorType: string; StartingSequenceNumber?: string }
    const trim = trimHorizon.get(input.ShardId)
    const before = input.StartingSequenceNumber !== undefined && trim !== undefined && BigInt(input.StartingSequenceNumber) < BigInt(trim)
    if (trim === undefined || !(input.ShardIteratorType === 'TRIM_HORIZON' || before)) return real(command, options)
    return real(new GetShardIteratorCommand({ ...(input as object), ShardId: input.ShardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: trim }), options)
  })
}

/**
 * A Kinesis client whose shard iterators expire `maxAgeMs` after they were handed out
 * (5 minutes on AWS): a GetRecords with an older iterator fails with
 * ExpiredIteratorException. `expired()` counts those failures.
 */
export function withIteratorExpiry(client: KinesisClient, maxAgeMs: number): { client: KinesisClient; expired(): number } {
  const issuedAt = new Map<string, number>()
  let expired = 0
  const wrapped = wrap(client, async (command, options, real) => {
    const name = command.constructor.name
    if (name === 'GetRecordsCommand') {
      const iterator = (command as unknown as GetRecordsCommand).input.ShardIterator ?? ''
      const at = issuedAt.get(iterator)
      if (at !== undefined && Date.now() - at > maxAgeMs) {
        expired++
        throw awsError('ExpiredIteratorException')
      }
    }
    const out = (await real(command, options)) as { ShardIterator?: string; NextShardIterator?: string }
    const next = name === 'GetShardIteratorCommand' ? out.ShardIterator : name === 'GetRecordsCommand' ? out.NextShardIterator : undefined
    if (next) issuedAt.set(next, Date.now())
    return out
  })
  return { client: wrapped, expired: () => expired }
}
