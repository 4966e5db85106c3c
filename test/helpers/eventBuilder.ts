/** Hand-built AWS Batch EventBridge events for exact-value tests. */

let counter = 0
const T0 = Date.UTC(2026, 10, 30, 10, 0, 0)

export interface JobEventSpec {
  jobId: string
  status: string
  /** Ended attempts: [startedAt, stoppedAt, exitCode?] as offsets in seconds from T0. */
  attempts?: [number, number, number?][]
  /** Event time offset in seconds from T0. */
  at: number
  queue?: string
  vcpus?: string
  memory?: string
  gpus?: string
  createdAt?: number
  startedAt?: number
  stoppedAt?: number
  id?: string
  arraySize?: number
  arrayIndex?: number
  detailType?: string
  statusReason?: string
  tags?: Record<string, string>
}

export function jobEvent(s: JobEventSpec): Record<string, unknown> {
  const ms = (sec: number | undefined) => (sec === undefined ? undefined : T0 + sec * 1000)
  const queue = s.queue ?? 'ondemand'
  return {
    version: '0',
    id: s.id ?? `evt-${++counter}`,
    'detail-type': s.detailType ?? 'Batch Job State Change',
    source: 'aws.batch',
    account: '123456789012',
    time: new Date(T0 + s.at * 1000).toISOString().replace('.000Z', 'Z'),
    region: 'us-east-1',
    resources: [],
    detail: {
      jobArn: `arn:aws:batch:us-east-1:123456789012:job/${s.jobId}`,
      jobName: `name-${s.jobId}`,
      jobId: s.jobId,
      jobQueue: `arn:aws:batch:us-east-1:123456789012:job-queue/${queue}`,
      status: s.status,
      statusReason: s.statusReason,
      attempts: (s.attempts ?? []).map(([a, b, code]) => ({ container: { exitCode: code ?? 0 }, startedAt: ms(a), stoppedAt: ms(b), statusReason: 'Essential container in task exited' })),
      createdAt: ms(s.createdAt ?? 0),
      startedAt: ms(s.startedAt),
      stoppedAt: ms(s.stoppedAt),
      jobDefinition: 'arn:aws:batch:us-east-1:123456789012:job-definition/def:3',
      platformCapabilities: ['EC2'],
      tags: s.tags,
      ...(s.arraySize !== undefined || s.arrayIndex !== undefined ? { arrayProperties: { size: s.arraySize, index: s.arrayIndex } } : {}),
      container: {
        resourceRequirements: [
          { type: 'VCPU', value: s.vcpus ?? '2' },
          { type: 'MEMORY', value: s.memory ?? '4096' },
          ...(s.gpus ? [{ type: 'GPU', value: s.gpus }] : []),
        ],
      },
    },
  }
}

export const encode = (event: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(event))
export const EVENT_T0 = T0
