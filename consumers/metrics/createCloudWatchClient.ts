import { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { type AwsClientOptions, type AwsEnv, AwsService, resolveAwsSettings } from '../../core/awsClients.js'

/**
 * A CloudWatch client resolved like the others (core/awsClients.ts): region, keys and
 * `AWS_ENDPOINT_URL_CLOUDWATCH` / `AWS_ENDPOINT_URL`, unless ignored. (Belongs with
 * the other client factories in core/awsClients.ts once AwsService names CLOUDWATCH.)
 */
export function createCloudWatchClient(opts: AwsClientOptions = {}, env: AwsEnv = process.env): CloudWatchClient {
  const ignore = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.trim().toLowerCase() === 'true'
  const fromEnv = ignore ? undefined : env.AWS_ENDPOINT_URL_CLOUDWATCH?.trim() || env.AWS_ENDPOINT_URL?.trim() || undefined
  const endpoint = opts.endpoint ?? fromEnv
  // The endpoint is resolved above; the service argument then only picks no other variable.
  const settings = resolveAwsSettings(AwsService.Kinesis, { ...opts, ...(endpoint ? { endpoint } : {}) }, { ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' })
  return new CloudWatchClient({
    region: settings.region,
    maxAttempts: opts.maxAttempts ?? 3,
    ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint, requestHandler: new NodeHttpHandler() }),
    ...(settings.credentials === undefined ? {} : { credentials: settings.credentials }),
    ...(settings.profile === undefined ? {} : { profile: settings.profile }),
  })
}
