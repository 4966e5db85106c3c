/**
 * The EventBridge event pattern for the AWS Batch events batchmeter reads: source
 * `aws.batch`, the four detail-types of the event model, and optionally only some
 * queues (`detail.jobQueue` is the queue's ARN in all four).
 */
import { type EventPattern, Match } from 'aws-cdk-lib/aws-events'
import { BatchmeterError, ErrorCode } from '../core/errors.js'
import { DetailType } from '../producers/model/batchEvent.js'

/** AWS Batch queue names: letters, digits, hyphens and underscores, up to 128. */
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,128}$/
const QUEUE_ARN = /^arn:[a-z-]+:batch:[a-z0-9-]*:\d{12}:job-queue\/[A-Za-z0-9_-]{1,128}$/

/**
 * One matcher per queue entry: a full ARN matches exactly, a name matches the ARN's
 * `:job-queue/<name>` suffix, and `<prefix>*` matches every queue whose name starts so.
 */
export function queueMatchers(queues: readonly string[]): string[] {
  return queues.flatMap((q) => {
    if (q.startsWith('arn:')) {
      if (!QUEUE_ARN.test(q)) throw new BatchmeterError(ErrorCode.Config, `queue "${q}" is not a job queue ARN (arn:aws:batch:<region>:<account>:job-queue/<name>)`)
      return [q]
    }
    if (q.endsWith('*') && QUEUE_NAME.test(q.slice(0, -1))) return Match.wildcard(`arn:*:batch:*:*:job-queue/${q}`)
    if (QUEUE_NAME.test(q)) return Match.suffix(`:job-queue/${q}`)
    throw new BatchmeterError(ErrorCode.Config, `queue "${q}" is neither a job queue ARN, a queue name, nor a name prefix ending in *`)
  })
}

/** Queue names that can have alarms of their own: exact names and ARNs, not prefixes. */
export function namedQueues(queues: readonly string[]): string[] {
  const names = queues.filter((q) => !q.endsWith('*')).map((q) => (q.startsWith('arn:') ? q.slice(q.lastIndexOf('/') + 1) : q))
  return [...new Set(names)]
}

export function batchEventPattern(queues: readonly string[] = []): EventPattern {
  return {
    source: ['aws.batch'],
    detailType: Object.values(DetailType),
    ...(queues.length > 0 ? { detail: { jobQueue: Match.anyOf(...queueMatchers(queues).map((m) => [m])) } } : {}),
  }
}
