import { type AttributeValue, type DynamoDBClient, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb'
import { BatchmeterError, ErrorCode } from '../../core/errors.js'
import { type RetryOptions, withRetry } from '../../core/retry.js'
import type { GaugeLevels } from '../metrics/gaugeLevels.js'
import { STATE_TABLE, gaugeKeyOf } from './stateTable.js'

export interface DynamoGaugesOptions {
  client: DynamoDBClient
  tableName: string
  retry?: RetryOptions
}

const isConditionFailure = (e: unknown): boolean => (e as { name?: string }).name === 'ConditionalCheckFailedException'

/**
 * The Lambda path's gauges. Job items that are RUNNABLE or RUNNING carry a sparse
 * index key `<queue>#<status>`; the level is the count of live items under it. Counting
 * from the job state itself keeps the gauge exact whatever retries, bisections or
 * concurrent shards did, and jobs whose state expires leave it on their own. One
 * invocation a minute (the first to claim the minute) counts and publishes the whole
 * level, so the Sum statistic is the level; minutes without any invocation have no
 * value (the dashboard fills them with the last one).
 */
export function createDynamoGauges({ client, tableName, retry }: DynamoGaugesOptions) {
  const fail = (what: string, cause: unknown): never => {
    throw new BatchmeterError(ErrorCode.State, `${what} in DynamoDB table ${tableName} failed: ${(cause as Error).message ?? String(cause)}`, { cause, retriable: true, context: { tableName } })
  }
  const key = { [STATE_TABLE.partitionKey]: { S: STATE_TABLE.gaugeClaimKey } }

  return {
    /** Adds queues to the set the gauges are counted for. */
    async registerQueues(queues: readonly string[]): Promise<void> {
      if (queues.length === 0) return
      await withRetry(
        () => client.send(new UpdateItemCommand({ TableName: tableName, Key: key, UpdateExpression: 'ADD #q :q', ExpressionAttributeNames: { '#q': 'queues' }, ExpressionAttributeValues: { ':q': { SS: [...queues] } } })),
        retry,
      ).catch((e: unknown) => fail('registering queues', e))
    },

    /** Claims the publishing of `minute` (epoch ms); the winner gets every known queue, the others null. */
    async claimMinute(minute: number, newQueues: readonly string[]): Promise<string[] | null> {
      try {
        const res = await withRetry(
          () =>
            client.send(
              new UpdateItemCommand({
                TableName: tableName,
                Key: key,
                UpdateExpression: newQueues.length > 0 ? 'SET #m = :m ADD #q :q' : 'SET #m = :m',
                ConditionExpression: 'attribute_not_exists(#m) OR #m < :m',
                ExpressionAttributeNames: { '#m': 'minute', ...(newQueues.length > 0 ? { '#q': 'queues' } : {}) },
                ExpressionAttributeValues: { ':m': { N: String(minute) }, ...(newQueues.length > 0 ? { ':q': { SS: [...newQueues] } } : {}) },
                ReturnValues: 'ALL_NEW',
              }),
            ),
          retry,
        )
        return [...(res.Attributes?.queues?.SS ?? [])].sort()
      } catch (e) {
        if (isConditionFailure(e)) return null
        return fail('claiming the gauge minute', e)
      }
    },

    /** RUNNABLE and RUNNING jobs per queue: live items under each queue's index keys. */
    async count(queues: readonly string[], nowMs: number): Promise<GaugeLevels> {
      const levels: GaugeLevels = new Map()
      const countKey = async (gaugeKey: string): Promise<number> => {
        let total = 0
        let start: Record<string, AttributeValue> | undefined
        do {
          const res = await withRetry(
            () =>
              client.send(
                new QueryCommand({
                  TableName: tableName,
                  IndexName: STATE_TABLE.gaugeIndex,
                  KeyConditionExpression: '#g = :g',
                  FilterExpression: '#t > :now',
                  ExpressionAttributeNames: { '#g': STATE_TABLE.gaugeKey, '#t': STATE_TABLE.ttlAttribute },
                  ExpressionAttributeValues: { ':g': { S: gaugeKey }, ':now': { N: String(Math.floor(nowMs / 1000)) } },
                  Select: 'COUNT',
                  ExclusiveStartKey: start,
                }),
              ),
            retry,
          ).catch((e: unknown) => fail('counting gauges', e))
          total += res.Count ?? 0
          start = res.LastEvaluatedKey
        } while (start)
        return total
      }
      for (const queue of queues) {
        levels.set(queue, { runnable: await countKey(gaugeKeyOf(queue, 'RUNNABLE')), running: await countKey(gaugeKeyOf(queue, 'RUNNING')) })
      }
      return levels
    },
  }
}

export type DynamoGauges = ReturnType<typeof createDynamoGauges>
