/** Shard discovery: lists a stream's shards now and then and starts each one once its parents are done. */
import { ListShardsCommand, type Shard } from '@aws-sdk/client-kinesis'
import { BatchmeterError, ErrorCode } from '../../core/errors.js'
import type { ShardStatus } from './kinesisSourceTypes.js'
import type { SourceContext } from './sourceContext.js'

/** A shard as the source tracks it: its public status plus what discovery and reading need. */
export interface ShardEntry extends ShardStatus {
  listed: boolean
  closedAtStart: boolean
  bornLater: boolean
  /** Ended without its records being read, now or in an earlier run (expired, or closed under LATEST). */
  unread: boolean
}

export interface ShardDiscoveryOptions {
  context: SourceContext
  /** Every shard known, by id; discovery adds and drops entries, readers update them. */
  shards: Map<string, ShardEntry>
  /** Called for each shard that may start, already marked `reading`. */
  startShard: (s: ShardEntry) => void
  /** Called after each listing. */
  notifyConsumer: () => void
}

export interface ShardDiscovery {
  /** Lists shards until the source stops: every relist interval, or at once after `requestRelist()`. */
  run(): Promise<void>
  /** Lists again at once (a shard ended: its children can start now). */
  requestRelist(): void
  /** A shard may start once every parent was read to its end (and handed over) or has expired. */
  canStart(s: ShardEntry): boolean
  /** Whether the shards have been listed at least once. */
  listedOnce(): boolean
  /** False while a listing is asked for or under way (it may bring new shards to read). */
  settled(): boolean
}

export function createShardDiscovery({ context, shards, startShard, notifyConsumer }: ShardDiscoveryOptions): ShardDiscovery {
  const { client, streamName, limits, signal, sleep, call } = context
  let listedOnce = false
  let wakeLister: (() => void) | undefined
  let relistRequested = false
  let listing = false

  async function listShards(): Promise<Shard[]> {
    const all: Shard[] = []
    let token: string | undefined
    do {
      const input = token === undefined ? { StreamName: streamName } : { NextToken: token }
      const page = await call('ListShards', undefined, (abortSignal) => client.send(new ListShardsCommand(input), { abortSignal }))
      all.push(...(page.Shards ?? []))
      token = page.NextToken
    } while (token !== undefined)
    return all
  }

  function reconcile(listing: Shard[]): void {
    const seen = new Set<string>()
    for (const s of listing) {
      if (!s.ShardId) continue
      seen.add(s.ShardId)
      if (shards.has(s.ShardId)) continue
      shards.set(s.ShardId, {
        shardId: s.ShardId,
        state: 'waiting',
        parentShardIds: [s.ParentShardId, s.AdjacentParentShardId].filter((p): p is string => !!p),
        records: 0,
        batches: 0,
        listed: true,
        closedAtStart: !listedOnce && s.SequenceNumberRange?.EndingSequenceNumber !== undefined,
        bornLater: listedOnce,
        unread: false,
      })
    }
    for (const s of shards.values()) {
      s.listed = seen.has(s.shardId)
      // Expired past retention before we got to it: nothing left to read.
      if (!s.listed && s.state === 'waiting') shards.delete(s.shardId)
    }
  }

  const canStart = (s: ShardEntry): boolean =>
    s.state === 'waiting' && s.parentShardIds.every((p) => { const parent = shards.get(p); return !parent?.listed || parent.state === 'ended' })

  async function run(): Promise<void> {
    while (!signal.aborted) {
      relistRequested = false
      listing = true
      let shardList: Shard[]
      try {
        shardList = await listShards()
      } catch (error) {
        listing = false
        if (signal.aborted) return
        throw new BatchmeterError(ErrorCode.KinesisRead, `ListShards on stream "${streamName}" failed: ${(error as Error).message}; check the stream name, region and endpoint`, {
          cause: error,
          context: { streamName },
        })
      }
      reconcile(shardList)
      listedOnce = true
      for (const s of shards.values()) {
        if (!canStart(s) || signal.aborted) continue
        s.state = 'reading'
        startShard(s)
      }
      listing = false
      notifyConsumer()
      if (!relistRequested) await sleep(limits.relistIntervalMs, (wake) => (wakeLister = wake))
    }
  }

  function requestRelist(): void {
    relistRequested = true
    wakeLister?.()
  }

  // A listing asked for (a shard ended) or under way may still bring children to read.
  const settled = (): boolean => !relistRequested && !listing

  return { run, requestRelist, canStart, listedOnce: () => listedOnce, settled }
}
