import pino, { type Logger } from 'pino'

/**
 * Fields that hold credentials or could: never written to a log. AWS error bodies
 * echo the access key id (`AWSAccessKeyId`); signed requests carry it and the session
 * token in headers. Paths are pino's (one `*` level at a time).
 */
export const REDACTED_LOG_PATHS = [
  'credentials', '*.credentials',
  'accessKeyId', '*.accessKeyId', 'secretAccessKey', '*.secretAccessKey', 'sessionToken', '*.sessionToken',
  'AWSAccessKeyId', '*.AWSAccessKeyId', 'err.cause.AWSAccessKeyId',
  'authorization', '*.authorization', 'Authorization', '*.Authorization',
  '["x-amz-security-token"]', '*["x-amz-security-token"]', 'headers.authorization', '*.headers.authorization', '*.headers["x-amz-security-token"]',
  'password', '*.password', 'secret', '*.secret', 'token', '*.token',
]

/** The structured logger of the CLI and the Lambda handler: JSON lines to stderr (fd 2), credentials redacted. */
export function createLogger(level: string, destination: number | NodeJS.WritableStream = 2): Logger {
  return pino({ level, redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' } }, typeof destination === 'number' ? pino.destination(destination) : destination)
}
