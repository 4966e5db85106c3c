import { ListShardsCommand, SplitShardCommand, MergeShardsCommand, type KinesisClient, type Shard } from '@aws-sdk/client-kinesis'
import { createKinesisClient } from '../../core/awsClients.js'
import { createKinesisSource, type KinesisBatch, type KinesisSourceOptions } from '../../consumers/sources/kinesisSource.js'
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/localStack.js'

/** A local stack plus a Kinesis client on it; `close()` tears both down. */
export async function kinesisStack(opts: LocalStackOptions = {}): Promise<{ stack: LocalStack; kinesis: KinesisClient; close(): Promise<void> }> {
  const stack = await startLocalStack(opts)
  const kinesis = createKinesisClient({}, stack.env)
  return {
    stack,
    kinesis,
    close: async () => {
      kinesis.destroy()
      await stack.stop()
    },
  }
}

/** Payload of a test record: its key and its position among that key's records. */
export interface TestPayload {
  key: string
  n: number
  pad?: string
}

/** `count` records over `keys` partition keys, each payload JSON naming key and per-key index. */
export function makeRecords(count: number, opts: { keys?: number; prefix?: string; bigEvery?: number; bigBytes?: number } = {}) {
  const { keys = 20, prefix = 'k', bigEvery = 0, bigBytes = 1024 * 1024 - 200 } = opts
  const perKey = new Map<string, number>()
  return Array.from({ length: count }, (_, i) => {
    const key = `${prefix}${i % keys}`
    const n = perKey.get(key) ?? 0
    perKey.set(key, n + 1)
    const payload: TestPayload = { key, n }
    let data = Buffer.from(JSON.stringify(payload))
    if (bigEvery > 0 && i % bigEvery === bigEvery - 1) {
      const skeleton = Buffer.byteLength(JSON.stringify({ ...payload, pad: '' }))
      data = Buffer.from(JSON.stringify({ ...payload, pad: 'x'.repeat(bigBytes - skeleton - Buffer.byteLength(key)) }))
    }
    return { partitionKey: key, data: new Uint8Array(data) }
  })
}

export const decodePayload = (data: Uint8Array): TestPayload => JSON.parse(Buffer.from(data).toString('utf8')) as TestPayload

/** Reads a source to its end (use `stopWhenIdle`), or until `until` says so. */
export async function drain(
  options: KinesisSourceOptions,
  until?: (batches: KinesisBatch[]) => boolean,
): Promise<KinesisBatch[]> {
  const source = createKinesisSource(options)
  const out: KinesisBatch[] = []
  for await (const batch of source.batches()) {
    out.push(batch)
    if (until?.(out)) break
  }
  return out
}

/** Asserts-friendly view: per key, the list of `n` in delivery order, and every (key, n) seen. */
export function deliveries(batches: KinesisBatch[]): { perKey: Map<string, number[]>; all: string[] } {
  const perKey = new Map<string, number[]>()
  const all: string[] = []
  for (const b of batches) {
    for (const r of b.records) {
      const p = decodePayload(r.data)
      perKey.set(p.key, [...(perKey.get(p.key) ?? []), p.n])
      all.push(`${p.key}#${p.n}`)
    }
  }
  return { perKey, all }
}

export async function listShards(kinesis: KinesisClient, streamName: string): Promise<Shard[]> {
  return (await kinesis.send(new ListShardsCommand({ StreamName: streamName }))).Shards ?? []
}

export async function splitInHalf(kinesis: KinesisClient, streamName: string, shard: Shard): Promise<void> {
  const start = BigInt(shard.HashKeyRange!.StartingHashKey!)
  const end = BigInt(shard.HashKeyRange!.EndingHashKey!)
  await kinesis.send(new SplitShardCommand({ StreamName: streamName, ShardToSplit: shard.ShardId!, NewStartingHashKey: (start + (end - start) / 2n).toString() }))
}

export async function mergeAdjacent(kinesis: KinesisClient, streamName: string, a: Shard, b: Shard): Promise<void> {
  await kinesis.send(new MergeShardsCommand({ StreamName: streamName, ShardToMerge: a.ShardId!, AdjacentShardToMerge: b.ShardId! }))
}

/**
 * Wraps a client so chosen calls fail first: `fault(command, callIndex)` returns an
 * error to throw, or undefined to let the real client answer.
 */
export function withFaults(
  client: KinesisClient,
  fault: (commandName: string, input: unknown, callIndex: number) => Error | undefined,
): KinesisClient {
  const calls = new Map<string, number>()
  const send = async (command: { constructor: { name: string }; input: unknown }, options?: unknown) => {
    const name = command.constructor.name
    const i = calls.get(name) ?? 0
    calls.set(name, i + 1)
    const error = fault(name, command.input, i)
    if (error) throw error
    return (client.send as (c: unknown, o?: unknown) => Promise<unknown>).call(client, command, options)
  }
  return Object.assign(Object.create(client) as KinesisClient, { send: send as unknown as KinesisClient['send'] })
}

/** An error shaped like the SDK's service exceptions. */
export function awsError(name: string, status = 400): Error {
  return Object.assign(new Error(`${name} (injected by the test)`), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } })
}
