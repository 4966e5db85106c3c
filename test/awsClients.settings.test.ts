import { describe, expect, it } from 'vitest'
import { createKinesisClient, createS3Client, isLoopbackEndpoint, LOCAL_DUMMY_CREDENTIALS, resolveAwsSettings } from '../core/awsClients.js'
import { isBatchmeterError } from '../core/errors.js'

describe('AWS client settings follow the AWS CLI conventions', () => {
  it('takes the region from the option, then AWS_REGION, then AWS_DEFAULT_REGION, then us-east-1', () => {
    expect(resolveAwsSettings('S3', { region: 'eu-west-3' }, { AWS_REGION: 'eu-west-1' }).region).toBe('eu-west-3')
    expect(resolveAwsSettings('S3', {}, { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'ap-south-1' }).region).toBe('eu-west-1')
    expect(resolveAwsSettings('S3', {}, { AWS_DEFAULT_REGION: 'ap-south-1' }).region).toBe('ap-south-1')
    expect(resolveAwsSettings('S3', {}, {}).region).toBe('us-east-1')
  })

  it('takes the endpoint from the option, then AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL', () => {
    const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_ENDPOINT_URL_KINESIS: 'http://127.0.0.1:2' }
    expect(resolveAwsSettings('KINESIS', { endpoint: 'http://127.0.0.1:3' }, env).endpoint).toBe('http://127.0.0.1:3')
    expect(resolveAwsSettings('KINESIS', {}, env).endpoint).toBe('http://127.0.0.1:2')
    expect(resolveAwsSettings('S3', {}, env).endpoint).toBe('http://127.0.0.1:1')
    expect(resolveAwsSettings('DYNAMODB', {}, { ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }).endpoint).toBeUndefined()
    expect(resolveAwsSettings('S3', {}, {}).endpoint).toBeUndefined()
  })

  it('rejects an endpoint that is not an http(s) URL, naming where it came from', () => {
    const error = (() => {
      try {
        resolveAwsSettings('S3', {}, { AWS_ENDPOINT_URL_S3: 'localhost:4568' })
      } catch (e) {
        return e
      }
    })()
    expect(isBatchmeterError(error) && error.code).toBe('E_CONFIG')
    expect((error as Error).message).toMatch(/AWS_ENDPOINT_URL_S3 is "localhost:4568"/)
  })

  it('uses dummy keys only for a loopback endpoint with no credentials configured', () => {
    expect(resolveAwsSettings('S3', { endpoint: 'http://127.0.0.1:9' }, {}).credentials).toEqual(LOCAL_DUMMY_CREDENTIALS)
    expect(resolveAwsSettings('S3', { endpoint: 'http://localhost:9' }, {}).credentials).toEqual(LOCAL_DUMMY_CREDENTIALS)
    expect(resolveAwsSettings('S3', { endpoint: 'https://s3.example.com' }, {}).credentials).toBeUndefined() // default chain
    expect(resolveAwsSettings('S3', {}, {}).credentials).toBeUndefined()
    expect(resolveAwsSettings('S3', { endpoint: 'http://127.0.0.1:9' }, { AWS_PROFILE: 'dev' })).toMatchObject({ profile: 'dev' })
    expect(resolveAwsSettings('S3', { endpoint: 'http://127.0.0.1:9' }, { AWS_PROFILE: 'dev' }).credentials).toBeUndefined()
    expect(resolveAwsSettings('S3', {}, { AWS_ACCESS_KEY_ID: 'AKIA1', AWS_SECRET_ACCESS_KEY: 's', AWS_SESSION_TOKEN: 't' }).credentials).toEqual({
      accessKeyId: 'AKIA1',
      secretAccessKey: 's',
      sessionToken: 't',
    })
  })

  it('recognises loopback hosts', () => {
    for (const url of ['http://127.0.0.1:4567', 'http://127.1.2.3', 'http://localhost:1', 'http://s3.localhost:1', 'http://[::1]:80']) expect(isLoopbackEndpoint(url)).toBe(true)
    for (const url of ['http://10.0.0.1', 'https://kinesis.us-east-1.amazonaws.com', 'not a url', 'http://127.0.0.1.example.com']) expect(isLoopbackEndpoint(url)).toBe(false)
  })

  it('configures custom endpoints the way the local stand-ins need', async () => {
    const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' }
    const kinesis = createKinesisClient({}, env)
    const s3 = createS3Client({}, env)
    try {
      expect(kinesis.config.requestHandler.constructor.name).toBe('NodeHttpHandler')
      expect(await kinesis.config.maxAttempts()).toBe(3)
      expect(s3.config.forcePathStyle).toBe(true)
      expect(await s3.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED')
      expect(await s3.config.responseChecksumValidation()).toBe('WHEN_REQUIRED')
      expect(await s3.config.credentials()).toMatchObject(LOCAL_DUMMY_CREDENTIALS)
    } finally {
      kinesis.destroy()
      s3.destroy()
    }
  })
})
