/**
 * The Lambda entry point for the Kinesis event source mapping:
 * `consumers/lambda/handler.handler`. Clients and settings are made at the first
 * invocation from the function's environment (see lambdaConfig.ts) and kept for the
 * container's life; everything else is `createKinesisHandler`.
 */
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda'
import { createDynamoDbClient, createS3Client } from '../../core/awsClients.js'
import { createLogger } from '../../core/createLogger.js'
import { createEmfPublisher } from '../metrics/emfPublisher.js'
import { createS3ObjectStore } from '../sinks/s3ObjectStore.js'
import { type HandlerContext, type KinesisHandler, createKinesisHandler } from './createKinesisHandler.js'
import { createDynamoGauges } from './dynamoGauges.js'
import { createDynamoStateStore } from './dynamoStateStore.js'
import { lambdaConfigFromEnv } from './lambdaConfig.js'

let ready: KinesisHandler | undefined

function fromEnvironment(): KinesisHandler {
  const config = lambdaConfigFromEnv()
  // Logs to stderr; stdout carries only the EMF lines.
  const logger = createLogger(config.logLevel)
  const s3 = createS3Client()
  const dynamo = createDynamoDbClient()
  return createKinesisHandler({
    objectStore: createS3ObjectStore({ client: s3, bucket: config.bucket }),
    state: createDynamoStateStore({ client: dynamo, tableName: config.stateTable, retention: config.retention }),
    gauges: createDynamoGauges({ client: dynamo, tableName: config.stateTable }),
    metrics: createEmfPublisher({ namespace: config.metrics.namespace, write: (text) => void process.stdout.write(text) }),
    metricsConfig: config.metrics,
    prices: config.prices,
    prefix: config.prefix,
    retention: config.retention,
    maxRecordsPerCommit: config.maxRecordsPerCommit,
    logger,
  })
}

export async function handler(event: KinesisStreamEvent, context: HandlerContext): Promise<KinesisStreamBatchResponse> {
  ready ??= fromEnvironment()
  return ready(event, context)
}
