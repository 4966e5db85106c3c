import pRetry from 'p-retry'
import { isBatchmeterError } from './errors.js'

export interface RetryOptions {
  /** Attempts after the first one. Default 8. */
  retries?: number
  /** First delay in ms. Default 100. */
  minDelayMs?: number
  /** Delay cap in ms. Default 10_000. */
  maxDelayMs?: number
  signal?: AbortSignal
  /** Called before each retry, e.g. to log or count. */
  onRetry?: (error: unknown, attempt: number) => void
}

const THROTTLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'SlowDown',
  'LimitExceededException',
  'KMSThrottlingException',
  'RequestThrottled',
  'TransactionInProgressException',
])
const TRANSIENT_NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNABORTED', 'UND_ERR_SOCKET'])

/**
 * Whether a retry can help: throttles, 5xx, timeouts and dropped connections can;
 * programming errors (TypeError, RangeError…) and 4xx client errors cannot.
 */
export function isRetriable(error: unknown): boolean {
  if (isBatchmeterError(error)) return error.retriable
  if (error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError || error instanceof ReferenceError) {
    // Node's fetch and the SDK wrap socket failures as TypeError with a network cause.
    const cause = (error as { cause?: unknown }).cause
    return cause !== undefined && isRetriable(cause)
  }
  if (typeof error !== 'object' || error === null) return false
  const e = error as {
    name?: string
    code?: string
    $retryable?: unknown
    $metadata?: { httpStatusCode?: number }
    $fault?: string
  }
  if (e.$retryable) return true
  if (e.name && THROTTLE_NAMES.has(e.name)) return true
  if (e.code && TRANSIENT_NETWORK.has(e.code)) return true
  if (e.name === 'TimeoutError' || e.name === 'RequestTimeout' || e.name === 'RequestTimeoutException') return true
  const status = e.$metadata?.httpStatusCode
  if (status !== undefined) return status >= 500 || status === 429
  return e.$fault === 'server'
}

/**
 * Runs `fn` with exponential backoff and full jitter while the error is retriable.
 * Non-retriable errors are thrown at once, untouched.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { retries = 8, minDelayMs = 100, maxDelayMs = 10_000, signal, onRetry } = options
  return pRetry(fn, {
    retries,
    minTimeout: minDelayMs,
    maxTimeout: maxDelayMs,
    factor: 2,
    randomize: true,
    signal,
    shouldRetry: ({ error }) => isRetriable(error),
    onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
      if (retriesLeft > 0 && isRetriable(error)) onRetry?.(error, attemptNumber)
    },
  })
}
