/**
 * Encrypted SQS queues that are themselves dead-letter or on-failure destinations:
 * one factory so every such queue is alike (KMS, TLS only, 14 days).
 */
import { Duration } from 'aws-cdk-lib'
import type { IKey } from 'aws-cdk-lib/aws-kms'
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs'
import { acknowledge } from '../nag.js'
import type { Construct } from 'constructs'

/** cdk-nag SQS3 asks every queue for a DLQ; a dead-letter queue has none by design. */
export function suppressDeadLetterQueueDlq(queue: Queue): void {
  acknowledge(queue, { id: 'AwsSolutions-SQS3', reason: 'This queue is itself a dead-letter (failure) destination; a DLQ of a DLQ would only move the same messages.' })
}

export function createDeadLetterQueue(scope: Construct, id: string, encryptionKey: IKey): Queue {
  const queue = new Queue(scope, id, {
    encryption: QueueEncryption.KMS,
    encryptionMasterKey: encryptionKey,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  })
  suppressDeadLetterQueueDlq(queue)
  return queue
}
