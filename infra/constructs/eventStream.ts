/**
 * The Kinesis data stream EventBridge writes every AWS Batch event to: KMS-encrypted
 * with the deployment's key, on-demand or provisioned.
 */
import type { Duration } from 'aws-cdk-lib'
import type { IKey } from 'aws-cdk-lib/aws-kms'
import { Stream, StreamEncryption, StreamMode } from 'aws-cdk-lib/aws-kinesis'
import { Construct } from 'constructs'
import { BatchmeterError, ErrorCode } from '../../core/errors.js'
import type { StreamCapacity } from '../batchMeterProps.js'
import { acknowledge } from '../nag.js'

export interface EventStreamProps {
  capacity: StreamCapacity
  retention: Duration
  encryptionKey: IKey
}

export class EventStream extends Construct {
  readonly stream: Stream

  constructor(scope: Construct, id: string, props: EventStreamProps) {
    super(scope, id)
    const { capacity } = props
    if (capacity.mode === 'provisioned' && !(Number.isInteger(capacity.shards) && capacity.shards >= 1)) {
      throw new BatchmeterError(ErrorCode.Config, `stream shards is ${capacity.shards}; use a whole number ≥ 1, or the on-demand mode`)
    }
    this.stream = new Stream(this, 'Stream', {
      encryption: StreamEncryption.KMS,
      encryptionKey: props.encryptionKey,
      retentionPeriod: props.retention,
      ...(capacity.mode === 'on-demand' ? { streamMode: StreamMode.ON_DEMAND } : { streamMode: StreamMode.PROVISIONED, shardCount: capacity.shards }),
    })
    acknowledge(this.stream, {
      id: 'AwsSolutions-KDS3',
      reason: 'Encrypted with the deployment\'s customer managed key on purpose (one key for stream, bucket, queues and table, chosen with the encryptionKey prop) instead of aws/kinesis.',
    })
  }
}
