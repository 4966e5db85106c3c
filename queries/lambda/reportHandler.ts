/**
 * Lambda entry of the scheduled reports (infra/reportHandlerContract.ts names it and
 * its environment): BATCHMETER_ATHENA_WORKGROUP, BATCHMETER_ATHENA_DATABASE,
 * BATCHMETER_BUCKET, BATCHMETER_PREFIX, and optionally BATCHMETER_REPORT_TOPIC_ARN,
 * BATCHMETER_REPORTS (comma-separated) and BATCHMETER_PRICES_JSON (a price table).
 * Athena results go to the workgroup's output location.
 */
import { SNSClient } from '@aws-sdk/client-sns'
import { createAthenaClient, createS3Client } from '../../core/awsClients.js'
import { BatchmeterError, ErrorCode } from '../../core/errors.js'
import { priceTableFromEnv } from '../../core/priceTable.js'
import { createAthenaRunner } from '../athena/athenaRunner.js'
import { athenaReportEngine } from '../reportEngine.js'
import { createReportHandler, type ReportEvent, type ReportHandlerResult } from './createReportHandler.js'

function required(env: NodeJS.ProcessEnv, key: string): string {
  const v = env[key]
  if (!v) throw new BatchmeterError(ErrorCode.Config, `${key} is not set; the stack sets it (infra/reportHandlerContract.ts).`)
  return v
}

let cached: ((event: ReportEvent) => Promise<ReportHandlerResult>) | undefined

export const handler = async (event: ReportEvent = {}): Promise<ReportHandlerResult> => {
  if (!cached) {
    const env = process.env
    const runner = createAthenaRunner({ client: createAthenaClient(), workGroup: required(env, 'BATCHMETER_ATHENA_WORKGROUP'), database: required(env, 'BATCHMETER_ATHENA_DATABASE'), pollMinMs: 500 })
    const topicArn = env.BATCHMETER_REPORT_TOPIC_ARN
    cached = createReportHandler({
      engine: athenaReportEngine(runner),
      s3: createS3Client(),
      ...(topicArn ? { sns: new SNSClient({}), topicArn } : {}),
      bucket: required(env, 'BATCHMETER_BUCKET'),
      prefix: env.BATCHMETER_PREFIX ?? '',
      reports: (env.BATCHMETER_REPORTS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
      prices: priceTableFromEnv(env),
    })
  }
  return cached(event)
}
