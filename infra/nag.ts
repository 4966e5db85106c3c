/**
 * cdk-nag (v3) acknowledgements, through CDK's own `Validations` API: every one names
 * the rule, or one finding of it (`AwsSolutions-IAM5[Resource::…]`), and why it does
 * not apply. An acknowledgement covers the construct and everything below it.
 */
import { Stack, Validations } from 'aws-cdk-lib'
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js'
import type { IConstruct } from 'constructs'

export interface NagAcknowledgement {
  /** Rule id, e.g. `AwsSolutions-S1`, or one finding, e.g. `AwsSolutions-IAM5[Action::kms:GenerateDataKey*]`. */
  id: string
  reason: string
}

export function acknowledge(scope: IConstruct, ...acks: readonly NagAcknowledgement[]): void {
  for (const ack of acks) {
    if (ack.reason.trim().length < 20) throw new Error(`cdk-nag acknowledgement ${ack.id} at ${scope.node.path} needs a real reason`)
    Validations.of(scope).acknowledge({ id: ack.id, reason: ack.reason })
  }
}

/** The IAM5 finding for a wildcard resource, named as cdk-nag names it (tokens as `<LogicalId.Attr>`). */
export function wildcardResource(scope: IConstruct, resource: string, reason: string): NagAcknowledgement {
  return { id: `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(scope).resolve(resource))}]`, reason }
}

/** The IAM5 finding for a wildcard action. */
export const wildcardAction = (action: string, reason: string): NagAcknowledgement => ({ id: `AwsSolutions-IAM5[Action::${action}]`, reason })
