/**
 * An `AWS API Call via CloudTrail` event for an AWS Batch API call: it arrives on the
 * same rule (`source: aws.batch`) and consumers must count and skip it.
 */
import { isoSecond, type RenderContext, renderEnvelope } from './renderEnvelope.js'

export interface CloudTrailCall {
  eventName: 'SubmitJob' | 'SubmitServiceJob'
  at: number
  eventId: string
  requestId: string
  /** CloudTrail's own event id (detail.eventID). */
  trailEventId: string
  requestParameters: Record<string, unknown>
  responseElements: Record<string, unknown> | null
  /** IAM role that made the call. */
  roleName: string
}

export function renderCloudTrailEvent(call: CloudTrailCall, ctx: RenderContext): string {
  const session = `${call.roleName}-session`
  const detail = {
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      principalId: `AROAEXAMPLEID:${session}`,
      arn: `arn:aws:sts::${ctx.account}:assumed-role/${call.roleName}/${session}`,
      accountId: ctx.account,
      sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${ctx.account}:role/${call.roleName}`, accountId: ctx.account, userName: call.roleName } },
    },
    eventTime: isoSecond(call.at),
    eventSource: 'batch.amazonaws.com',
    eventName: call.eventName,
    awsRegion: ctx.region,
    sourceIPAddress: '10.0.12.34',
    userAgent: 'aws-sdk-js/3.700.0 ua/2.1 os/linux lang/js md/nodejs#20.18.0 api/batch#3.700.0',
    requestParameters: call.requestParameters,
    responseElements: call.responseElements,
    requestID: call.requestId,
    eventID: call.trailEventId,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ctx.account,
    eventCategory: 'Management',
  }
  return renderEnvelope(call.eventId, 'AWS API Call via CloudTrail', ctx, call.at, '[]', JSON.stringify(detail))
}
