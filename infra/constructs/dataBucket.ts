/**
 * The data bucket: tables, dead letters, Athena results and reports. A new bucket
 * blocks public access, refuses plain HTTP, is encrypted with the deployment's key
 * and expires dead letters and Athena results; an existing bucket is used as it is.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib'
import type { IKey } from 'aws-cdk-lib/aws-kms'
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3'
import { acknowledge } from '../nag.js'
import { Construct } from 'constructs'
import { DEAD_LETTER_TABLE } from '../../queries/ddl/deadLetterTable.js'
import { type BucketOptions, DEFAULTS, FOLDERS } from '../batchMeterProps.js'
import { folderKey } from '../keyPrefix.js'

export interface DataBucketProps extends BucketOptions {
  /** Key prefix of batchmeter's objects. */
  prefix: string
  /** Encryption key of a new bucket. */
  encryptionKey: IKey
}

export class DataBucket extends Construct {
  readonly bucket: IBucket
  /** Whether this construct created the bucket (lifecycle, policy and logging apply only then). */
  readonly created: boolean

  constructor(scope: Construct, id: string, props: DataBucketProps) {
    super(scope, id)
    if (props.existing) {
      this.bucket = props.existing
      this.created = false
      return
    }
    const o = { ...DEFAULTS.bucket, ...props }
    const removal = o.destroyOnRemoval ? { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true } : { removalPolicy: RemovalPolicy.RETAIN }
    const logs = o.accessLogs
      ? new Bucket(this, 'AccessLogs', {
          // S3 server access logs cannot be delivered to an SSE-KMS bucket.
          encryption: BucketEncryption.S3_MANAGED,
          blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
          enforceSSL: true,
          objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
          lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90) }],
          ...removal,
        })
      : undefined
    const bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: o.versioned,
      ...(logs ? { serverAccessLogsBucket: logs, serverAccessLogsPrefix: 'data-bucket/' } : {}),
      lifecycleRules: [
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
        { id: 'expire-dead-letters', prefix: folderKey(props.prefix, DEAD_LETTER_TABLE.folder), expiration: Duration.days(o.deadLetterDays) },
        { id: 'expire-athena-results', prefix: folderKey(props.prefix, FOLDERS.athenaResults), expiration: Duration.days(o.athenaResultDays) },
        { id: 'expire-reports', prefix: folderKey(props.prefix, FOLDERS.reports), expiration: Duration.days(o.reportDays) },
        ...(o.versioned ? [{ id: 'expire-noncurrent-versions', noncurrentVersionExpiration: Duration.days(30) }] : []),
      ],
      ...removal,
    })
    if (!logs) {
      acknowledge(bucket, {
        id: 'AwsSolutions-S1',
        reason: 'Server access logs are optional (bucket.accessLogs, default off): only batchmeter writes the bucket, and CloudTrail data events cover audits where needed.',
      })
    } else {
      acknowledge(logs, { id: 'AwsSolutions-S1', reason: 'This is the access-log bucket itself; logging it into itself would loop.' })
    }
    this.bucket = bucket
    this.created = true
  }
}
