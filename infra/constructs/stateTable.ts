/**
 * The Lambda path's DynamoDB state table, built from the handler's own definition
 * (`stateTableDefinition`, consumers/lambda/stateTable.ts): keys, attribute types and
 * the gauge index come from there, so the table and the code cannot drift. TTL on
 * `STATE_TABLE.ttlAttribute`, on-demand billing, encrypted with the deployment's key.
 */
import { RemovalPolicy } from 'aws-cdk-lib'
import type { CreateTableCommandInput, KeySchemaElement } from '@aws-sdk/client-dynamodb'
import { type Attribute, AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb'
import type { IKey } from 'aws-cdk-lib/aws-kms'
import { Construct } from 'constructs'
import { BatchmeterError, ErrorCode } from '../../core/errors.js'
import { STATE_TABLE, stateTableDefinition } from '../../consumers/lambda/stateTable.js'

const ATTRIBUTE_TYPE = { S: AttributeType.STRING, N: AttributeType.NUMBER, B: AttributeType.BINARY } as const
const PROJECTION = { ALL: ProjectionType.ALL, KEYS_ONLY: ProjectionType.KEYS_ONLY, INCLUDE: ProjectionType.INCLUDE } as const

/** The partition and sort key of a key schema, typed from the definition's attribute list. */
export function keysOf(definition: CreateTableCommandInput, schema: readonly KeySchemaElement[] | undefined): { partitionKey: Attribute; sortKey?: Attribute } {
  const attribute = (keyType: 'HASH' | 'RANGE'): Attribute | undefined => {
    const name = schema?.find((k) => k.KeyType === keyType)?.AttributeName
    if (name === undefined) return undefined
    const type = definition.AttributeDefinitions?.find((a) => a.AttributeName === name)?.AttributeType
    if (type === undefined) throw new BatchmeterError(ErrorCode.Config, `state table key "${name}" has no attribute definition`)
    return { name, type: ATTRIBUTE_TYPE[type] }
  }
  const partitionKey = attribute('HASH')
  if (!partitionKey) throw new BatchmeterError(ErrorCode.Config, 'state table definition has no partition (HASH) key')
  const sortKey = attribute('RANGE')
  return sortKey ? { partitionKey, sortKey } : { partitionKey }
}

export interface StateTableProps {
  encryptionKey: IKey
  /** Keep the table on `cdk destroy`. Default false: it only holds dedupe state that expires within days. */
  retain?: boolean
}

export class StateTable extends Construct {
  readonly table: Table

  constructor(scope: Construct, id: string, props: StateTableProps) {
    super(scope, id)
    // The name is CloudFormation's; the definition needs one only as a placeholder.
    const definition = stateTableDefinition('batchmeter-state')
    if (definition.BillingMode !== 'PAY_PER_REQUEST') throw new BatchmeterError(ErrorCode.Config, `state table billing mode ${definition.BillingMode} is not supported by the infra; expected PAY_PER_REQUEST`)
    this.table = new Table(this, 'Table', {
      ...keysOf(definition, definition.KeySchema),
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: STATE_TABLE.ttlAttribute,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    })
    for (const index of definition.GlobalSecondaryIndexes ?? []) {
      const projection = index.Projection?.ProjectionType ?? 'ALL'
      this.table.addGlobalSecondaryIndex({
        indexName: index.IndexName!,
        ...keysOf(definition, index.KeySchema),
        projectionType: PROJECTION[projection],
        ...(projection === 'INCLUDE' ? { nonKeyAttributes: index.Projection?.NonKeyAttributes ?? [] } : {}),
      })
    }
  }
}
