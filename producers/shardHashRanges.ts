import { type KinesisClient, ListShardsCommand, type Shard } from '@aws-sdk/client-kinesis'
import { withRetry } from '../core/retry.js'
import type { ShardHashRange } from './kplAggregate.js'

/** The open shards' hash ranges, so KPL aggregates keep each partition key on one shard. */
export async function listOpenShardHashRanges(client: Pick<KinesisClient, 'send'>, streamName: string): Promise<ShardHashRange[]> {
  const shards: Shard[] = []
  let token: string | undefined
  do {
    const page = await withRetry(() => client.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: streamName })))
    shards.push(...(page.Shards ?? []))
    token = page.NextToken
  } while (token)
  return shards
    .filter((s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined && s.HashKeyRange)
    .map((s) => ({ shardId: s.ShardId!, startingHashKey: s.HashKeyRange!.StartingHashKey!, endingHashKey: s.HashKeyRange!.EndingHashKey! }))
}
