/**
 * Why AWS Batch says a RUNNABLE job blocks its queue. In events the statusReason is
 * `CODE - message` (AWS Batch User Guide, "Jobs stuck in a RUNNABLE status"); the
 * code alone is what `jobStateTimeLimitActions` matches and what ground truth counts
 * (the event model's `blockedReasonCode` reads it back).
 */

export const BLOCKED_REASONS = {
  'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY': 'Service cannot fulfill the capacity requested for instance type',
  'MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE': 'CE(s) associated with the job queue cannot meet the CPU requirement of the job.',
  'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT': 'The job resource requirement (vCPU/memory/GPU) is higher than that can be met by the CE(s) attached to the job queue.',
  'MISCONFIGURATION:SERVICE_ROLE_PERMISSIONS': 'Batch service role has a permission issue.',
  'MISCONFIGURATION:SERVICE_ENVIRONMENT_MAX_RESOURCE': 'Service environment(s) associated with the job queue cannot meet the capacity requirement of the job.',
} as const
export type BlockedReasonCode = keyof typeof BLOCKED_REASONS

/** The statusReason AWS sets while the job is blocked. */
export function blockedStatusReason(code: BlockedReasonCode, instanceType: string): string {
  const message = BLOCKED_REASONS[code]
  return code === 'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY' ? `${code} - ${message} [${instanceType}]` : `${code} - ${message}`
}
