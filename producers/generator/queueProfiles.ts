/**
 * The synthetic account: its job queues, their job definitions and the teams that
 * submit to them. Numbers are chosen to look like real traffic (waits, run times,
 * failure and retry habits per kind of compute), not to be exact.
 */
import type { JobKind, Platform } from '../model/batchEvent.js'
import type { BlockedReasonCode } from './blockedReasons.js'

export interface JobDefinitionProfile {
  /** With `revision`, the definition's `name:revision`; also the prefix of job names. */
  readonly name: string
  readonly revision: number
  readonly weight: number
  readonly image: string
  readonly command: readonly string[]
  /** Requested resources (Fargate vCPUs are fractional); 0 for service jobs. */
  readonly vcpus: number
  readonly memoryMib: number
  readonly gpus: number
  /** `requirements`: container.resourceRequirements with string values; `legacy`: numeric container.vcpus / memory; `none`: service jobs. */
  readonly resourceShape: 'requirements' | 'legacy' | 'none'
  /** `platformCapabilities` as events carry it; older EC2 definitions show `[]`. */
  readonly platformCapabilities: readonly Platform[]
  readonly cpuArchitecture: 'X86_64' | 'ARM64' | null
  readonly runMedianS: number
  readonly runSigma: number
  /** Chance that one attempt fails on its own (non-zero exit). */
  readonly failRate: number
  /** retryStrategy.attempts (1 = no retry). */
  readonly retryAttempts: number
  /** `any`: every failure is retried; `host`: only EC2 host terminations (evaluateOnExit on "Host EC2*"). */
  readonly retryOn: 'any' | 'host'
  readonly timeoutS: number | null
  /** Service jobs: the SageMaker instance type and count. */
  readonly instanceType?: string
  readonly instanceCount?: number
}

export interface QueueProfile {
  readonly name: string
  readonly kind: JobKind
  /** Share of top-level submissions. */
  readonly weight: number
  readonly spot: boolean
  readonly waitMedianS: number
  readonly waitSigma: number
  readonly startingMinS: number
  readonly startingMaxS: number
  readonly blockedRate: number
  readonly blockedReasons: readonly { readonly code: BlockedReasonCode; readonly weight: number }[]
  /** jobStateTimeLimitActions: a misconfigured job is cancelled after this long; a capacity-blocked one after capacityLimitS. */
  readonly misconfigLimitS: number
  readonly capacityLimitS: number
  readonly capacityCancelRate: number
  /** "Canceled" for ECS/Fargate queues, "Terminated" for SageMaker service queues. */
  readonly limitActionVerb: 'Canceled' | 'Terminated'
  readonly cancelRate: number
  readonly arrayRate: number
  readonly pipelineRate: number
  readonly fairShare: boolean
  /** Spot interruptions per running hour (plus a small flat chance per attempt). */
  readonly reclaimPerHour: number
  readonly instanceTypes: readonly string[]
  /** ECS cluster behind the compute environment (task and container-instance ARNs). */
  readonly cluster: string
  readonly definitions: readonly JobDefinitionProfile[]
}

const ec2 = (d: Partial<JobDefinitionProfile> & Pick<JobDefinitionProfile, 'name' | 'revision' | 'vcpus' | 'memoryMib' | 'runMedianS'>): JobDefinitionProfile => ({
  weight: 1,
  image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${d.name}:latest`,
  command: ['/app/run.sh', 'Ref::input'],
  gpus: 0,
  resourceShape: 'requirements',
  platformCapabilities: ['EC2'],
  cpuArchitecture: null,
  runSigma: 1.0,
  failRate: 0.04,
  retryAttempts: 2,
  retryOn: 'any',
  timeoutS: null,
  ...d,
})

const fargate = (name: string, revision: number, vcpus: number, memoryMib: number, arch: 'X86_64' | 'ARM64', runMedianS: number, weight: number): JobDefinitionProfile =>
  ec2({ name, revision, vcpus, memoryMib, runMedianS, weight, platformCapabilities: ['FARGATE'], cpuArchitecture: arch, runSigma: 0.9, failRate: 0.03, retryAttempts: 2 })

export const TEAMS = [
  { weight: 4, share: 'teamA', team: 'genomics', costCenter: 'cc-1042', projects: ['wgs-pipeline', 'rnaseq', 'variant-calling'] },
  { weight: 3, share: 'teamB', team: 'ml-platform', costCenter: 'cc-2077', projects: ['recsys', 'vision', 'llm-eval'] },
  { weight: 2, share: 'teamC', team: 'media', costCenter: 'cc-3150', projects: ['render-farm', 'transcode'] },
  { weight: 1, share: 'teamD', team: 'finance-data', costCenter: 'cc-4001', projects: ['ledger-etl'] },
] as const
export type Team = (typeof TEAMS)[number]

const CAPACITY = 'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY' as const

export const QUEUE_PROFILES: readonly QueueProfile[] = [
  {
    name: 'ondemand-ec2', kind: 'batch', weight: 0.37, spot: false,
    waitMedianS: 25, waitSigma: 1.1, startingMinS: 2, startingMaxS: 25,
    blockedRate: 0.012,
    blockedReasons: [
      { code: 'MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE', weight: 4 },
      { code: 'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT', weight: 3 },
      { code: 'MISCONFIGURATION:SERVICE_ROLE_PERMISSIONS', weight: 2 },
      { code: CAPACITY, weight: 1 },
    ],
    misconfigLimitS: 1800, capacityLimitS: 14400, capacityCancelRate: 0.2, limitActionVerb: 'Canceled',
    cancelRate: 0.012, arrayRate: 0.02, pipelineRate: 0.06, fairShare: false, reclaimPerHour: 0,
    instanceTypes: ['m6i.2xlarge', 'c6i.4xlarge', 'r6i.4xlarge'],
    cluster: 'ondemand-ec2-ce_Batch_5f3a2c41-8b7e-3a0d-9c1e-2d4f6a8b0c12',
    definitions: [
      ec2({ name: 'etl-nightly', revision: 7, weight: 4, vcpus: 2, memoryMib: 4096, runMedianS: 240 }),
      ec2({ name: 'report-render', revision: 3, weight: 3, vcpus: 1, memoryMib: 2048, runMedianS: 45, runSigma: 0.8, resourceShape: 'legacy', platformCapabilities: [], retryAttempts: 1, failRate: 0.02 }),
      ec2({ name: 'genomics-align', revision: 12, weight: 2, vcpus: 16, memoryMib: 61440, runMedianS: 2400, runSigma: 0.9, retryAttempts: 3, failRate: 0.05, timeoutS: 4 * 3600 }),
      ec2({ name: 'db-backup', revision: 2, weight: 1, vcpus: 4, memoryMib: 8000, runMedianS: 900, runSigma: 0.6, resourceShape: 'legacy', retryAttempts: 1, failRate: 0.02 }),
    ],
  },
  {
    name: 'spot-ec2', kind: 'batch', weight: 0.28, spot: true,
    waitMedianS: 150, waitSigma: 1.3, startingMinS: 3, startingMaxS: 45,
    blockedRate: 0.07,
    blockedReasons: [
      { code: CAPACITY, weight: 17 },
      { code: 'MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE', weight: 2 },
      { code: 'MISCONFIGURATION:SERVICE_ROLE_PERMISSIONS', weight: 1 },
    ],
    misconfigLimitS: 1800, capacityLimitS: 14400, capacityCancelRate: 0.15, limitActionVerb: 'Canceled',
    cancelRate: 0.015, arrayRate: 0.045, pipelineRate: 0.02, fairShare: true, reclaimPerHour: 0.12,
    instanceTypes: ['c5.4xlarge', 'c6a.8xlarge', 'm5.8xlarge'],
    cluster: 'spot-ec2-ce_Batch_0c7d9e12-4f6a-3b8c-a1d2-e3f405162738',
    definitions: [
      ec2({ name: 'render-frames', revision: 21, weight: 4, vcpus: 4, memoryMib: 8192, runMedianS: 600, runSigma: 1.1, retryAttempts: 5, retryOn: 'host', failRate: 0.03 }),
      ec2({ name: 'monte-carlo', revision: 5, weight: 3, vcpus: 2, memoryMib: 3800, runMedianS: 120, runSigma: 1.3, resourceShape: 'legacy', platformCapabilities: [], retryAttempts: 3 }),
      ec2({ name: 'feature-extract', revision: 9, weight: 2, vcpus: 8, memoryMib: 32768, runMedianS: 1500, runSigma: 1.0, retryAttempts: 3, retryOn: 'host' }),
    ],
  },
  {
    name: 'fargate', kind: 'batch', weight: 0.22, spot: false,
    waitMedianS: 40, waitSigma: 0.9, startingMinS: 15, startingMaxS: 75,
    blockedRate: 0.008,
    blockedReasons: [
      { code: 'MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE', weight: 1 },
      { code: 'MISCONFIGURATION:SERVICE_ROLE_PERMISSIONS', weight: 1 },
    ],
    misconfigLimitS: 900, capacityLimitS: 14400, capacityCancelRate: 0, limitActionVerb: 'Canceled',
    cancelRate: 0.01, arrayRate: 0.02, pipelineRate: 0.08, fairShare: false, reclaimPerHour: 0,
    instanceTypes: ['FARGATE'],
    cluster: 'fargate-ce_Batch_9a8b7c6d-5e4f-3a2b-8c1d-0e9f8a7b6c5d',
    definitions: [
      fargate('api-sync', 4, 0.25, 512, 'X86_64', 20, 4),
      fargate('thumbnailer', 11, 0.5, 1024, 'ARM64', 35, 3),
      fargate('csv-validate', 2, 1, 2048, 'ARM64', 90, 3),
      fargate('nightly-export', 6, 2, 4096, 'X86_64', 600, 2),
      fargate('model-score', 3, 4, 16384, 'X86_64', 1200, 1),
    ],
  },
  {
    name: 'gpu-training', kind: 'batch', weight: 0.09, spot: false,
    waitMedianS: 420, waitSigma: 1.2, startingMinS: 20, startingMaxS: 90,
    blockedRate: 0.2,
    blockedReasons: [
      { code: CAPACITY, weight: 17 },
      { code: 'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT', weight: 2 },
      { code: 'MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE', weight: 1 },
    ],
    misconfigLimitS: 3600, capacityLimitS: 14400, capacityCancelRate: 0.2, limitActionVerb: 'Canceled',
    cancelRate: 0.02, arrayRate: 0, pipelineRate: 0, fairShare: true, reclaimPerHour: 0,
    instanceTypes: ['g5.2xlarge', 'g5.12xlarge', 'p4d.24xlarge'],
    cluster: 'gpu-training-ce_Batch_3e2d1c0b-9a8f-3e7d-b6c5-a4b3c2d1e0f9',
    definitions: [
      ec2({ name: 'train-resnet', revision: 8, weight: 5, vcpus: 8, memoryMib: 30000, gpus: 1, runMedianS: 3600, runSigma: 1.0, retryAttempts: 2, retryOn: 'host', failRate: 0.06 }),
      ec2({ name: 'finetune-llm', revision: 15, weight: 2, vcpus: 48, memoryMib: 180000, gpus: 4, runMedianS: 7200, runSigma: 0.8, retryAttempts: 2, failRate: 0.08, timeoutS: 8 * 3600 }),
      ec2({ name: 'train-multigpu', revision: 4, weight: 1, vcpus: 96, memoryMib: 1100000, gpus: 8, runMedianS: 14400, runSigma: 0.7, retryAttempts: 1, failRate: 0.08, timeoutS: 12 * 3600 }),
    ],
  },
  {
    name: 'sagemaker-training', kind: 'service', weight: 0.04, spot: false,
    waitMedianS: 300, waitSigma: 1.2, startingMinS: 60, startingMaxS: 300,
    blockedRate: 0.1,
    blockedReasons: [
      { code: CAPACITY, weight: 4 },
      { code: 'MISCONFIGURATION:SERVICE_ENVIRONMENT_MAX_RESOURCE', weight: 1 },
    ],
    misconfigLimitS: 3600, capacityLimitS: 14400, capacityCancelRate: 0.2, limitActionVerb: 'Terminated',
    cancelRate: 0, arrayRate: 0, pipelineRate: 0, fairShare: true, reclaimPerHour: 0,
    instanceTypes: ['ml.g5.2xlarge', 'ml.p4d.24xlarge'],
    cluster: '',
    definitions: [
      { ...ec2({ name: 'sm-train-bert', revision: 1, weight: 3, vcpus: 0, memoryMib: 0, runMedianS: 3600, runSigma: 0.9, failRate: 0.06, retryAttempts: 2 }), resourceShape: 'none', platformCapabilities: [], instanceType: 'ml.g5.2xlarge', instanceCount: 1 },
      { ...ec2({ name: 'sm-train-xgboost', revision: 1, weight: 2, vcpus: 0, memoryMib: 0, runMedianS: 900, runSigma: 0.8, failRate: 0.04, retryAttempts: 1 }), resourceShape: 'none', platformCapabilities: [], instanceType: 'ml.m5.4xlarge', instanceCount: 2 },
      { ...ec2({ name: 'sm-train-llama', revision: 1, weight: 1, vcpus: 0, memoryMib: 0, runMedianS: 10800, runSigma: 0.7, failRate: 0.1, retryAttempts: 2 }), resourceShape: 'none', platformCapabilities: [], instanceType: 'ml.p4d.24xlarge', instanceCount: 4 },
    ],
  },
]
