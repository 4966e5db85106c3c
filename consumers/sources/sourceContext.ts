/** What shard discovery and the shard readers of one Kinesis source share: client, limits, stop signal, a stoppable sleep and a retrying call. */
import type { KinesisClient } from '@aws-sdk/client-kinesis'
import { withRetry } from '../../core/retry.js'
import type { KinesisSourceOptions } from './kinesisSourceTypes.js'
import type { KinesisSourceLimits } from './sourceLimits.js'

export type SourceLogger = NonNullable<KinesisSourceOptions['logger']>

export interface SourceContext {
  client: Pick<KinesisClient, 'send'>
  streamName: string
  logger: SourceLogger
  clock: { now(): number }
  limits: Required<KinesisSourceLimits>
  /** Aborted when the source stops. */
  signal: AbortSignal
  /** Waits `ms`, or less on stop; `onWake` receives a function that ends the wait early. */
  sleep(ms: number, onWake?: (wake: () => void) => void): Promise<void>
  /** Sends one Kinesis request with retries (logged as warnings), aborted on stop. */
  call<T>(what: string, shardId: string | undefined, send: (signal: AbortSignal) => Promise<T>): Promise<T>
}

export function createSourceContext(base: Omit<SourceContext, 'sleep' | 'call'>): SourceContext {
  const { signal, limits, logger } = base
  const sleep = (ms: number, onWake?: (wake: () => void) => void): Promise<void> =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve()
      const done = (): void => {
        clearTimeout(timer)
        signal.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      signal.addEventListener('abort', done)
      onWake?.(done)
    })
  const call = <T>(what: string, shardId: string | undefined, send: (signal: AbortSignal) => Promise<T>): Promise<T> =>
    withRetry(() => send(signal), {
      retries: limits.retries,
      signal,
      onRetry: (err, attempt) => logger.warn({ err, shardId, attempt }, `${what} throttled or failed; retrying with backoff`),
    })
  return { ...base, sleep, call }
}
