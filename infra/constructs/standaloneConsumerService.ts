/**
 * Optional: the standalone consumer (`batchmeter consume`, cli/commands/consume.ts) as
 * one ECS Fargate task, for users who do not want Lambda. One task follows every shard
 * (DESIGN.md: Scale) and its exactly-once commit assumes a single writer, so the
 * service never runs two tasks at once, even during a deployment.
 */
import { IgnoreMode, Stack } from 'aws-cdk-lib'
import { PolicyStatement } from 'aws-cdk-lib/aws-iam'
import { type IVpc, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2'
import { Cluster, ContainerImage, ContainerInsights, CpuArchitecture, FargateService, FargateTaskDefinition, LogDrivers, OperatingSystemFamily } from 'aws-cdk-lib/aws-ecs'
import type { IKey } from 'aws-cdk-lib/aws-kms'
import type { IStream } from 'aws-cdk-lib/aws-kinesis'
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs'
import type { IBucket } from 'aws-cdk-lib/aws-s3'
import { acknowledge, wildcardResource } from '../nag.js'
import { Construct } from 'constructs'
import { envVarOf } from '../../core/config.js'
import type { MetricsConfig } from '../../consumers/metrics/metricsConfig.js'
import { DEFAULTS, type StandaloneConsumerOptions } from '../batchMeterProps.js'
import { keyPrefix } from '../keyPrefix.js'
import { PROJECT_ROOT } from '../nodeFunction.js'

/** The Dockerfile of the default image, relative to the repository root. */
export const CONSUMER_DOCKERFILE = 'infra/consumer.Dockerfile'

/** What the image build never needs: keeps the asset small and synth quick. */
const IMAGE_EXCLUDES = ['node_modules', '.git', 'cdk.out', '**/cdk.out', '.cache', 'coverage', 'out', 'bench/results.json', '*.log']

export interface StandaloneConsumerServiceProps extends StandaloneConsumerOptions {
  stream: IStream
  bucket: IBucket
  prefix: string
  encryptionKey: IKey
  metrics: MetricsConfig
}

export class StandaloneConsumerService extends Construct {
  readonly service: FargateService

  constructor(scope: Construct, id: string, props: StandaloneConsumerServiceProps) {
    super(scope, id)
    const o = { ...DEFAULTS.standaloneConsumer, ...props }
    const vpc: IVpc = props.vpc ?? this.publicVpc()
    const cluster = new Cluster(this, 'Cluster', { vpc, containerInsightsV2: ContainerInsights.ENABLED })
    const task = new FargateTaskDefinition(this, 'Task', {
      cpu: o.cpu,
      memoryLimitMiB: o.memoryMiB,
      runtimePlatform: { cpuArchitecture: CpuArchitecture.X86_64, operatingSystemFamily: OperatingSystemFamily.LINUX },
    })
    const image =
      props.image ??
      ContainerImage.fromAsset(PROJECT_ROOT, { file: CONSUMER_DOCKERFILE, exclude: IMAGE_EXCLUDES, ignoreMode: IgnoreMode.GLOB })
    const logGroup = new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH })
    task.addContainer('consume', {
      image,
      command: ['consume', '--metrics', 'cloudwatch', '--namespace', props.metrics.namespace],
      environment: {
        AWS_REGION: Stack.of(this).region,
        [envVarOf('stream')]: props.stream.streamName,
        [envVarOf('bucket')]: props.bucket.bucketName,
        [envVarOf('prefix')]: props.prefix,
      },
      logging: LogDrivers.awsLogs({ streamPrefix: 'consume', logGroup }),
    })

    // Its own prefix only: tables, dead letters and its checkpoints (`_batchmeter/`).
    const kp = keyPrefix(props.prefix)
    const role = task.taskRole
    const objects = props.bucket.arnForObjects(`${kp}*`)
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], resources: [objects] }))
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.bucket.bucketArn], conditions: kp ? { StringLike: { 's3:prefix': [`${kp}*`] } } : undefined }),
    )
    props.bucket.encryptionKey?.grantEncryptDecrypt(role)
    props.stream.grantRead(role)
    props.encryptionKey.grantEncryptDecrypt(role)
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['cloudwatch:PutMetricData'], resources: ['*'], conditions: { StringEquals: { 'cloudwatch:namespace': props.metrics.namespace } } }),
    )

    this.service = new FargateService(this, 'Service', {
      cluster,
      taskDefinition: task,
      desiredCount: 1,
      // Never two consumers at once: stop the old task before the new one starts.
      minHealthyPercent: 0,
      maxHealthyPercent: 100,
      assignPublicIp: props.vpc === undefined,
      ...(props.vpc === undefined ? { vpcSubnets: { subnetType: SubnetType.PUBLIC } } : {}),
      circuitBreaker: { rollback: true },
    })
    acknowledge(task, { id: 'AwsSolutions-ECS2', reason: 'The environment holds resource names only (stream, bucket, prefix), no secrets.' })
    acknowledge(
      role,
      wildcardResource(this, objects, 'batchmeter\'s own prefix: tables, dead letters and the consumer\'s checkpoints (`_batchmeter/`), whose names carry shard and sequence numbers.'),
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'cloudwatch:PutMetricData has no resource type; the statement is limited to the metrics namespace by the cloudwatch:namespace condition.' },
    )
    if (task.executionRole) {
      acknowledge(task.executionRole, { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'ecr:GetAuthorizationToken (granted by CDK to pull the image) has no resource type.' })
    }
  }

  /** Public subnets only, no NAT gateway: the task reaches AWS APIs over its public IP and accepts no inbound traffic. */
  private publicVpc(): Vpc {
    const vpc = new Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: SubnetType.PUBLIC }] })
    acknowledge(vpc, { id: 'AwsSolutions-VPC7', reason: 'The VPC runs one outbound-only task; flow logs would cost more than the task. Pass your own VPC (standaloneConsumer.vpc) to use its flow logs.' })
    return vpc
  }
}
