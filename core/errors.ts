/** Error codes batchmeter raises; branch on these, never on message text. */
export const ErrorCode = {
  Config: 'E_CONFIG',
  Decode: 'E_DECODE',
  Validate: 'E_VALIDATE',
  KinesisRead: 'E_KINESIS_READ',
  KinesisWrite: 'E_KINESIS_WRITE',
  S3Write: 'E_S3_WRITE',
  S3Read: 'E_S3_READ',
  Checkpoint: 'E_CHECKPOINT',
  State: 'E_STATE',
  Metrics: 'E_METRICS',
  Query: 'E_QUERY',
  LocalCache: 'E_LOCAL_CACHE',
  Usage: 'E_USAGE',
} as const
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

export interface BatchmeterErrorOptions {
  retriable?: boolean
  cause?: unknown
  /** Where it happened: shard, sequence number, key, field… */
  context?: Record<string, unknown>
}

/** The one error base: a code, whether a retry can help, the cause and where it happened. */
export class BatchmeterError extends Error {
  readonly code: ErrorCode
  readonly retriable: boolean
  readonly context: Record<string, unknown>

  constructor(code: ErrorCode, message: string, options: BatchmeterErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'BatchmeterError'
    this.code = code
    this.retriable = options.retriable ?? false
    this.context = options.context ?? {}
  }
}

export const isBatchmeterError = (e: unknown): e is BatchmeterError => e instanceof BatchmeterError
