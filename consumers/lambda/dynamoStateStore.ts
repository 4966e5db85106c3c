import {
  type AttributeValue,
  BatchGetItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb'
import { setTimeout as sleep } from 'node:timers/promises'
import { BatchmeterError, ErrorCode } from '../../core/errors.js'
import { type RetryOptions, withRetry } from '../../core/retry.js'
import { STATE_TABLE, type Retention, type StoredJob, decodeJobItem, encodeJobItem, filesKey, jobKey } from './stateTable.js'

export interface DynamoStateStoreOptions {
  client: DynamoDBClient
  tableName: string
  retention: Retention
  retry?: RetryOptions
  /** Writes in flight at once. Default 16. */
  concurrency?: number
  /** How long a chunk's file list is kept (ms). Default 8 days: longer than Lambda retries a record. */
  filesRetentionMs?: number
}

export interface JobWrite {
  jobId: string
  job: StoredJob
  /** The version read (undefined: there was no item). The write fails if the item moved on since. */
  expectedVersion: number | undefined
}

const BATCH_GET_KEYS = 100
const UNPROCESSED_ATTEMPTS = 10

const isConditionFailure = (e: unknown): boolean => (e as { name?: string }).name === 'ConditionalCheckFailedException'

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!)
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}

/** Job items and chunk file lists in the state table; every call retried on throttles and 5xx. */
export function createDynamoStateStore(options: DynamoStateStoreOptions) {
  const { client, tableName, retention, retry, concurrency = 16, filesRetentionMs = 8 * 86_400_000 } = options
  const fail = (what: string, cause: unknown, context: Record<string, unknown> = {}): never => {
    throw new BatchmeterError(
      ErrorCode.State,
      `${what} in DynamoDB table ${tableName} failed: ${(cause as Error).message ?? String(cause)}. Check the table exists (see stateTableDefinition) and the function may read and write it.`,
      { cause, retriable: true, context: { tableName, ...context } },
    )
  }

  /** Whether the job's item is exactly this write (same version, chunk and entry). */
  const holdsWrite = async (w: JobWrite): Promise<boolean> => {
    const res = await withRetry(() => client.send(new GetItemCommand({ TableName: tableName, Key: { [STATE_TABLE.partitionKey]: { S: jobKey(w.jobId) } }, ConsistentRead: true })), retry).catch(
      (e: unknown) => fail('reading back job state', e, { jobId: w.jobId }),
    )
    const item = res.Item
    return (
      item?.version?.N === String(w.job.version) &&
      item.shard?.S === w.job.shard &&
      item.fromSeq?.S === w.job.fromSequence &&
      item.entry?.S === JSON.stringify(w.job.entry) &&
      item.before?.S === (w.job.before ? JSON.stringify(w.job.before) : undefined)
    )
  }

  return {
    /** The stored items of these jobs (strongly consistent reads); jobs without an item are absent from the map. */
    async loadJobs(jobIds: readonly string[]): Promise<Map<string, StoredJob>> {
      const out = new Map<string, StoredJob>()
      for (let i = 0; i < jobIds.length; i += BATCH_GET_KEYS) {
        let keys: Record<string, AttributeValue>[] = jobIds.slice(i, i + BATCH_GET_KEYS).map((id) => ({ [STATE_TABLE.partitionKey]: { S: jobKey(id) } }))
        for (let attempt = 0; keys.length > 0; attempt++) {
          if (attempt === UNPROCESSED_ATTEMPTS) fail('reading job state', new Error(`${keys.length} keys stayed unprocessed after ${UNPROCESSED_ATTEMPTS} tries (throttled)`))
          if (attempt > 0) await sleep(Math.min(2000, 50 * 2 ** attempt))
          const res = await withRetry(() => client.send(new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } })), retry).catch((e: unknown) =>
            fail('reading job state', e),
          )
          for (const item of res.Responses?.[tableName] ?? []) {
            const pk = item[STATE_TABLE.partitionKey]?.S ?? ''
            out.set(pk.slice('job#'.length), decodeJobItem(item))
          }
          keys = res.UnprocessedKeys?.[tableName]?.Keys ?? []
        }
      }
      return out
    },

    /**
     * Writes each job's new state, conditional on the version read. A job changed by
     * someone else meanwhile fails the whole call (retriable): the caller retries the
     * records from a fresh read.
     */
    async saveJobs(writes: readonly JobWrite[], nowMs: number): Promise<void> {
      await mapLimit(writes, concurrency, async (w) => {
        const put = new PutItemCommand({
          TableName: tableName,
          Item: encodeJobItem(w.jobId, w.job, retention, nowMs),
          ...(w.expectedVersion === undefined
            ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': STATE_TABLE.partitionKey } }
            : { ConditionExpression: '#v = :v', ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: { ':v': { N: String(w.expectedVersion) } } }),
        })
        await withRetry(() => client.send(put), retry).catch(async (e: unknown) => {
          // A retried write whose first try landed but whose answer was lost fails its own
          // condition: when the item holds exactly what we wrote, the write succeeded.
          if (isConditionFailure(e) && (await holdsWrite(w))) return
          if (isConditionFailure(e)) {
            throw new BatchmeterError(
              ErrorCode.State,
              `job ${w.jobId} was changed by another invocation while this one processed it; the records are retried from a fresh read. If this happens often, make the stream's partition key the job id ($.detail.jobId) so one shard owns each job.`,
              { cause: e, retriable: true, context: { jobId: w.jobId, tableName } },
            )
          }
          return fail('writing job state', e, { jobId: w.jobId })
        })
      })
    },

    /** The object keys a chunk starting at this record wrote last time, if any. */
    async readChunkFiles(shardId: string, firstSequence: string): Promise<string[]> {
      const res = await withRetry(
        () => client.send(new GetItemCommand({ TableName: tableName, Key: { [STATE_TABLE.partitionKey]: { S: filesKey(shardId, firstSequence) } }, ConsistentRead: true })),
        retry,
      ).catch((e: unknown) => fail('reading a chunk file list', e, { shardId, firstSequence }))
      return res.Item?.keys?.S ? (JSON.parse(res.Item.keys.S) as string[]) : []
    },

    async writeChunkFiles(shardId: string, firstSequence: string, keys: readonly string[], nowMs: number): Promise<void> {
      const item = {
        [STATE_TABLE.partitionKey]: { S: filesKey(shardId, firstSequence) },
        keys: { S: JSON.stringify(keys) },
        [STATE_TABLE.ttlAttribute]: { N: String(Math.ceil((nowMs + filesRetentionMs) / 1000)) },
      }
      await withRetry(() => client.send(new PutItemCommand({ TableName: tableName, Item: item })), retry).catch((e: unknown) =>
        fail('writing a chunk file list', e, { shardId, firstSequence }),
      )
    },
  }
}

export type DynamoStateStore = ReturnType<typeof createDynamoStateStore>
