import { AthenaClient } from '@aws-sdk/client-athena'
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { KinesisClient, type KinesisClientConfig } from '@aws-sdk/client-kinesis'
import { S3Client } from '@aws-sdk/client-s3'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { BatchmeterError, ErrorCode } from './errors.js'

/** Static keys or a provider, as every SDK v3 client accepts them. */
export type AwsCredentials = NonNullable<KinesisClientConfig['credentials']>

/** The environment the settings are read from; `process.env` unless a test passes its own. */
export type AwsEnv = Readonly<Record<string, string | undefined>>

export interface AwsClientOptions {
  /** Default: `AWS_REGION`, then `AWS_DEFAULT_REGION`, then `us-east-1`. */
  region?: string
  /** Default: `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL` (unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`). */
  endpoint?: string
  /** Default: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` from the env, else the SDK's default chain; dummy keys for a loopback endpoint with nothing configured. */
  credentials?: AwsCredentials
  /** SDK-level attempts per call (we retry throttles ourselves with `withRetry`). Default 3. */
  maxAttempts?: number
}

/** The service names as they appear in `AWS_ENDPOINT_URL_<SERVICE>`. */
export const AwsService = { Kinesis: 'KINESIS', S3: 'S3', DynamoDb: 'DYNAMODB', CloudWatch: 'CLOUDWATCH', Athena: 'ATHENA' } as const
export type AwsService = (typeof AwsService)[keyof typeof AwsService]

/**
 * Keys for local stand-ins. s3rver only accepts the access key `S3RVER` (its built-in
 * account); kinesalite and dynalite accept anything, so one pair serves all three.
 */
export const LOCAL_DUMMY_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const

export interface ResolvedAwsSettings {
  region: string
  endpoint?: string
  credentials?: AwsCredentials
  profile?: string
}

const DEFAULT_REGION = 'us-east-1'
const DEFAULT_MAX_ATTEMPTS = 3

/** Whether a URL points at this machine (localhost, 127.0.0.0/8, ::1). */
export function isLoopbackEndpoint(endpoint: string): boolean {
  let host: string
  try {
    host = new URL(endpoint).hostname.toLowerCase()
  } catch {
    return false
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1)
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v.trim() === '' ? undefined : v.trim())

function validateEndpoint(endpoint: string, source: string): string {
  try {
    const url = new URL(endpoint)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`protocol ${url.protocol}`)
  } catch (cause) {
    throw new BatchmeterError(
      ErrorCode.Config,
      `${source} is "${endpoint}", which is not an http(s) URL; set it to something like http://127.0.0.1:4567 or unset it to use AWS`,
      { cause, context: { endpoint, source } },
    )
  }
  return endpoint
}

/** Settings for one service, resolved the way the AWS CLI resolves them. */
export function resolveAwsSettings(service: AwsService, opts: AwsClientOptions = {}, env: AwsEnv = process.env): ResolvedAwsSettings {
  const region = nonEmpty(opts.region) ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? DEFAULT_REGION

  let endpoint: string | undefined
  const fromOption = nonEmpty(opts.endpoint)
  if (fromOption) endpoint = validateEndpoint(fromOption, 'the endpoint option')
  else if (nonEmpty(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS)?.toLowerCase() !== 'true') {
    const specific = `AWS_ENDPOINT_URL_${service}`
    const fromSpecific = nonEmpty(env[specific])
    const fromGeneral = nonEmpty(env.AWS_ENDPOINT_URL)
    if (fromSpecific) endpoint = validateEndpoint(fromSpecific, specific)
    else if (fromGeneral) endpoint = validateEndpoint(fromGeneral, 'AWS_ENDPOINT_URL')
  }

  const profile = nonEmpty(env.AWS_PROFILE)
  let credentials: AwsCredentials | undefined = opts.credentials
  if (credentials === undefined) {
    const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID)
    const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY)
    const sessionToken = nonEmpty(env.AWS_SESSION_TOKEN)
    if (accessKeyId && secretAccessKey) {
      credentials = sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey }
    } else if (endpoint !== undefined && isLoopbackEndpoint(endpoint) && !hasConfiguredCredentials(env)) {
      credentials = { ...LOCAL_DUMMY_CREDENTIALS }
    }
  }
  return {
    region,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(credentials === undefined ? {} : { credentials }),
    ...(profile === undefined ? {} : { profile }),
  }
}

/** Whether the environment names a credential source the SDK's default chain would use. */
function hasConfiguredCredentials(env: AwsEnv): boolean {
  return [
    'AWS_ACCESS_KEY_ID',
    'AWS_PROFILE',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  ].some((k) => nonEmpty(env[k]) !== undefined)
}

function commonConfig(settings: ResolvedAwsSettings, opts: AwsClientOptions) {
  return {
    region: settings.region,
    maxAttempts: opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
    ...(settings.credentials === undefined ? {} : { credentials: settings.credentials }),
    ...(settings.profile === undefined ? {} : { profile: settings.profile }),
  }
}

/** A Kinesis client; HTTP/1.1 for custom endpoints (kinesalite rejects the SDK's default HTTP/2). */
export function createKinesisClient(opts: AwsClientOptions = {}, env: AwsEnv = process.env): KinesisClient {
  const settings = resolveAwsSettings(AwsService.Kinesis, opts, env)
  return new KinesisClient({
    ...commonConfig(settings, opts),
    ...(settings.endpoint === undefined ? {} : { requestHandler: new NodeHttpHandler() }),
  })
}

/** An S3 client; path-style, checksums only when required for custom endpoints (s3rver stores aws-chunked framing otherwise). */
export function createS3Client(opts: AwsClientOptions = {}, env: AwsEnv = process.env): S3Client {
  const settings = resolveAwsSettings(AwsService.S3, opts, env)
  return new S3Client({
    ...commonConfig(settings, opts),
    ...(settings.endpoint === undefined
      ? {}
      : { forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }),
  })
}

/** A DynamoDB client. */
export function createDynamoDbClient(opts: AwsClientOptions = {}, env: AwsEnv = process.env): DynamoDBClient {
  const settings = resolveAwsSettings(AwsService.DynamoDb, opts, env)
  return new DynamoDBClient(commonConfig(settings, opts))
}

/** A CloudWatch client (PutMetricData); HTTP/1.1 for custom endpoints, like Kinesis. */
export function createCloudWatchClient(opts: AwsClientOptions = {}, env: AwsEnv = process.env): CloudWatchClient {
  const settings = resolveAwsSettings(AwsService.CloudWatch, opts, env)
  return new CloudWatchClient({
    ...commonConfig(settings, opts),
    ...(settings.endpoint === undefined ? {} : { requestHandler: new NodeHttpHandler() }),
  })
}

/** An Athena client; HTTP/1.1 for custom endpoints such as the local Athena endpoint. */
export function createAthenaClient(opts: AwsClientOptions = {}, env: AwsEnv = process.env): AthenaClient {
  const settings = resolveAwsSettings(AwsService.Athena, opts, env)
  return new AthenaClient({
    ...commonConfig(settings, opts),
    ...(settings.endpoint === undefined ? {} : { requestHandler: new NodeHttpHandler() }),
  })
}
