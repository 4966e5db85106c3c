/**
 * The stack `npx cdk deploy` creates: one BatchMeter, configured from context.
 */
import { Stack, type StackProps } from 'aws-cdk-lib'
import type { Construct } from 'constructs'
import { propsFromContext } from './appContext.js'
import { BatchMeter } from './batchMeter.js'
import type { BatchMeterProps } from './batchMeterProps.js'

export interface BatchMeterStackProps extends StackProps {
  /** Props of the construct. Default: read from context (appContext.ts). */
  batchMeter?: BatchMeterProps
}

export class BatchMeterStack extends Stack {
  readonly batchMeter: BatchMeter

  constructor(scope: Construct, id: string, props: BatchMeterStackProps = {}) {
    super(scope, id, { description: 'batchmeter: AWS Batch usage and cost analytics (EventBridge → Kinesis → Lambda → Parquet on S3, Athena, CloudWatch)', ...props })
    this.batchMeter = new BatchMeter(this, 'BatchMeter', props.batchMeter ?? propsFromContext(this.node, this))
  }
}
