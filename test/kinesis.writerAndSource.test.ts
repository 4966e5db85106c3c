import { PutRecordsCommand, type KinesisClient, type PutRecordsCommandInput, type PutRecordsCommandOutput } from '@aws-sdk/client-kinesis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKinesisSource } from '../consumers/sources/kinesisSource.js'
import { isBatchmeterError } from '../core/errors.js'
import { putRecords } from '../producers/kinesisWriter.js'
import { awsError, decodePayload, deliveries, drain, kinesisStack, listShards, makeRecords, withFaults } from './helpers/kinesisTestKit.js'

type Kit = Awaited<ReturnType<typeof kinesisStack>>
const FAST = { idleDelayMs: 20, maxIdleDelayMs: 50, maxGetRecordsPerSecond: 50, relistIntervalMs: 200 }
const noCheckpoints = { get: async () => undefined }
const idOf = (data: Uint8Array): string => `${decodePayload(data).key}#${decodePayload(data).n}`

describe('putRecords → Kinesis source', () => {
  let kit: Kit
  beforeAll(async () => {
    kit = await kinesisStack({ streamName: 'writer-source', shardCount: 3 })
  })
  afterAll(async () => kit?.close())

  it('delivers ~3,000 records, some near 1 MiB, exactly once and in order per partition key', async () => {
    // Prepare
    const records = makeRecords(3000, { keys: 40, bigEvery: 400 })
    const big = records.filter((r) => r.data.byteLength > 500_000)
    expect(big.length).toBe(7)
    const progress: number[] = []

    // Act
    const put = await putRecords(kit.kinesis, kit.stack.streamName, records, { onProgress: (sent) => progress.push(sent) })
    const batches = await drain({ client: kit.kinesis, streamName: kit.stack.streamName, startAt: 'TRIM_HORIZON', checkpoints: noCheckpoints, limits: FAST, stopWhenIdle: { idleMs: 300 } })

    // Assess
    expect(put).toMatchObject({ sent: 3000, retried: 0 })
    expect(put.calls).toBeGreaterThanOrEqual(6)
    expect(progress.at(-1)).toBe(3000)
    const { perKey, all } = deliveries(batches)
    expect(all).toHaveLength(3000)
    expect(new Set(all).size).toBe(3000)
    for (const [, ns] of perKey) expect(ns).toEqual(ns.map((_, i) => i))
    const sent = new Map(records.map((r) => [idOf(r.data), Buffer.from(r.data)]))
    const mismatched = batches.flatMap((b) => b.records).filter((r) => !sent.get(idOf(r.data))?.equals(r.data))
    expect(mismatched).toEqual([])
  })

  it('rejects a record over 1 MiB (data + key) naming it, before writing anything', async () => {
    const records = makeRecords(3, { prefix: 'too-big-' })
    records[1] = { partitionKey: 'too-big-1', data: new Uint8Array(1024 * 1024 - 4) }
    const error = await putRecords(kit.kinesis, kit.stack.streamName, records).catch((e: unknown) => e)
    expect(isBatchmeterError(error) && error.code).toBe('E_KINESIS_WRITE')
    expect((error as Error).message).toMatch(/record 1 \(partition key "too-big-1"\) is 1048581 bytes with its key/)
  })

  it('resends only the failed entries of a partial failure: each record delivered once, in order', async () => {
    // Prepare: a client on the real stream that, for its first two calls, writes only
    // part of each key's records and reports the rest failed, the way a throttled shard
    // fails every record past its budget (ProvisionedThroughputExceeded) or a back end
    // hiccups (InternalFailure).
    const stream = 'partial-failure'
    const fresh = await kinesisStack({ streamName: stream, shardCount: 2 })
    try {
      let call = 0
      const flaky = {
        send: async (command: PutRecordsCommand) => {
          const input = command.input as PutRecordsCommandInput
          const entries = input.Records ?? []
          const attempt = call++
          const ordinal = new Map<string, number>()
          const fails = entries.map((e) => {
            const k = ordinal.get(e.PartitionKey!) ?? 0
            ordinal.set(e.PartitionKey!, k + 1)
            const budget = attempt === 0 ? 10 + Number(e.PartitionKey!.slice(2)) * 7 : 3
            return attempt < 2 && k >= budget
          })
          const keep = entries.filter((_, i) => !fails[i])
          const real = keep.length > 0 ? await fresh.kinesis.send(new PutRecordsCommand({ ...input, Records: keep })) : { Records: [] }
          let k = 0
          const Records = entries.map((e, i) =>
            fails[i]
              ? e.PartitionKey === 'pf4'
                ? { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service failure (injected)' }
                : { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard (injected)' }
              : real.Records![k++]!,
          )
          return { FailedRecordCount: Records.filter((r) => 'ErrorCode' in r).length, Records, $metadata: {} } as PutRecordsCommandOutput
        },
      } as unknown as KinesisClient
      const records = makeRecords(600, { keys: 5, prefix: 'pf' })

      // Act
      const put = await putRecords(flaky, stream, records, { minDelayMs: 5, maxDelayMs: 20 })
      const batches = await drain({ client: fresh.kinesis, streamName: stream, startAt: 'TRIM_HORIZON', checkpoints: noCheckpoints, limits: FAST, stopWhenIdle: { idleMs: 300 } })

      // Assess: 500 (380 fail), a resend of 380 (365 fail), a resend of 365, then the last 100.
      expect(put).toEqual({ sent: 600, retried: 380 + 365, calls: 4 })
      const { perKey, all } = deliveries(batches)
      expect(all).toHaveLength(600)
      expect(new Set(all).size).toBe(600)
      expect([...perKey.keys()].sort()).toEqual(['pf0', 'pf1', 'pf2', 'pf3', 'pf4'])
      for (const [, ns] of perKey) expect(ns).toEqual(Array.from({ length: 120 }, (_, i) => i))
    } finally {
      await fresh.close()
    }
  })

  it('gives up with E_KINESIS_WRITE naming how many records failed and why', async () => {
    const alwaysThrottled = {
      send: async (command: PutRecordsCommand) => {
        const n = command.input.Records?.length ?? 0
        return { FailedRecordCount: n, Records: Array.from({ length: n }, () => ({ ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded' })), $metadata: {} }
      },
    } as unknown as KinesisClient
    const error = await putRecords(alwaysThrottled, 'any', makeRecords(10), { retries: 2, minDelayMs: 1, maxDelayMs: 2 }).catch((e: unknown) => e)
    expect(isBatchmeterError(error) && error.code).toBe('E_KINESIS_WRITE')
    expect((error as Error).message).toMatch(/10 records unwritten .*10× ProvisionedThroughputExceededException: Rate exceeded.*add shards/)
  })

  it('fails with E_KINESIS_READ naming the stream when it does not exist', async () => {
    const source = createKinesisSource({ client: kit.kinesis, streamName: 'no-such-stream', startAt: 'TRIM_HORIZON', checkpoints: noCheckpoints, limits: FAST })
    const error = await (async () => {
      for await (const _ of source.batches()) throw new Error('no batch expected')
    })().catch((e: unknown) => e)
    expect(isBatchmeterError(error) && error.code).toBe('E_KINESIS_READ')
    expect((error as Error).message).toMatch(/ListShards on stream "no-such-stream" failed: .*check the stream name, region and endpoint/)
  })

  it('survives an ExpiredIteratorException and a throttled GetRecords: nothing lost, nothing twice', async () => {
    // Prepare
    const stream = 'faults'
    const fresh = await kinesisStack({ streamName: stream, shardCount: 1 })
    try {
      await putRecords(fresh.kinesis, stream, makeRecords(300, { keys: 3 }))
      const injected: string[] = []
      const client = withFaults(fresh.kinesis, (name, _input, i) => {
        if (name !== 'GetRecordsCommand') return undefined
        if (i === 1) return injected.push('expired'), awsError('ExpiredIteratorException')
        if (i === 3) return injected.push('throttled'), awsError('ProvisionedThroughputExceededException')
        if (i === 4) return injected.push('5xx'), awsError('InternalFailure', 500)
        return undefined
      })

      // Act: 100 records per GetRecords so the faults land mid-stream.
      const batches = await drain({ client, streamName: stream, startAt: 'TRIM_HORIZON', checkpoints: noCheckpoints, limits: { ...FAST, limit: 100 }, stopWhenIdle: { idleMs: 300 } })

      // Assess
      expect(injected).toEqual(['expired', 'throttled', '5xx'])
      const { perKey, all } = deliveries(batches)
      expect(all).toHaveLength(300)
      expect(new Set(all).size).toBe(300)
      for (const [, ns] of perKey) expect(ns).toEqual(ns.map((_, i) => i))
    } finally {
      await fresh.close()
    }
  })

  it('resumes a shard after its checkpoint', async () => {
    // Prepare
    const stream = 'resume'
    const fresh = await kinesisStack({ streamName: stream, shardCount: 1 })
    try {
      await putRecords(fresh.kinesis, stream, makeRecords(50, { keys: 1 }))
      const first = await drain({ client: fresh.kinesis, streamName: stream, startAt: 'TRIM_HORIZON', checkpoints: noCheckpoints, limits: { ...FAST, limit: 20 } }, (b) => b.length === 1)
      const [shard] = await listShards(fresh.kinesis, stream)
      const checkpoint = first[0]!.records.at(-1)!.sequenceNumber
      await putRecords(fresh.kinesis, stream, makeRecords(50, { keys: 1, prefix: 'later' }))

      // Act
      const asked: string[] = []
      const batches = await drain({
        client: fresh.kinesis,
        streamName: stream,
        startAt: 'TRIM_HORIZON',
        checkpoints: { get: async (shardId) => (asked.push(shardId), shardId === shard!.ShardId ? checkpoint : undefined) },
        limits: FAST,
        stopWhenIdle: { idleMs: 300 },
      })

      // Assess
      expect(asked).toEqual([shard!.ShardId])
      const { all } = deliveries(batches)
      expect(all).toEqual([...Array.from({ length: 30 }, (_, i) => `k0#${i + 20}`), ...Array.from({ length: 50 }, (_, i) => `later0#${i}`)])
    } finally {
      await fresh.close()
    }
  })

  it('fetches a shard\'s next batch only after the consumer took the previous one, and stop() ends cleanly', async () => {
    const stream = 'backpressure'
    const fresh = await kinesisStack({ streamName: stream, shardCount: 1 })
    try {
      await putRecords(fresh.kinesis, stream, makeRecords(100, { keys: 1 }))
      let getRecords = 0
      const client = withFaults(fresh.kinesis, (name) => void (name === 'GetRecordsCommand' && getRecords++))
      const source = createKinesisSource({ client, streamName: stream, startAt: 'TRIM_HORIZON', checkpoints: noCheckpoints, limits: { ...FAST, limit: 10 } })
      const seen: number[] = []
      for await (const batch of source.batches()) {
        seen.push(batch.records.length)
        await new Promise((r) => setTimeout(r, 150)) // a slow consumer
        expect(getRecords).toBeLessThanOrEqual(seen.length + 1)
        if (seen.length === 3) await source.stop()
      }
      expect(seen).toEqual([10, 10, 10])
      expect(source.shardStatus()).toMatchObject([{ state: 'reading', records: 30, batches: 3 }])
    } finally {
      await fresh.close()
    }
  })
})
