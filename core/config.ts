import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { BatchmeterError, ErrorCode } from './errors.js'

/**
 * The one typed configuration: a JSON file, then `BATCHMETER_*` environment
 * variables, then CLI flags (CLI wins). AWS settings follow the SDK and CLI
 * conventions (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_<SERVICE>) and are read by
 * `core/awsClients.ts`; `--endpoint-url` flags go on top.
 */
export const ConfigSchema = z
  .object({
    region: z.string().min(1).optional().describe('AWS region; default from AWS_REGION / AWS_DEFAULT_REGION'),
    stream: z.string().min(1).optional().describe('Kinesis data stream name'),
    bucket: z.string().min(3).optional().describe('S3 bucket for tables and dead letters'),
    prefix: z.string().regex(/^[A-Za-z0-9._\-/]*$/, 'letters, digits, . _ - / only').default('').describe('key prefix inside the bucket'),
    startAt: z.union([z.enum(['TRIM_HORIZON', 'LATEST']), z.iso.datetime()]).default('TRIM_HORIZON').describe('where a shard without a checkpoint starts: TRIM_HORIZON, LATEST or an ISO timestamp'),
    flushIntervalMs: z.number().int().min(1000).max(900_000).default(60_000).describe('longest time between flushes (ms)'),
    flushRecords: z.number().int().min(1).max(5_000_000).default(200_000).describe('records that trigger a flush'),
    retainAfterTerminalHours: z.number().positive().default(48).describe('hours dedupe state is kept after a job ends'),
    maxJobAgeDays: z.number().positive().default(14).describe('days after which state of a job that never ended is dropped'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('log level'),
  })
  .strict()

export type Config = z.infer<typeof ConfigSchema>
export type ConfigKey = keyof Config

/** Environment variable of each key: BATCHMETER_ + the key in SCREAMING_SNAKE_CASE. */
export const envVarOf = (key: string): string => `BATCHMETER_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`

const NUMERIC_KEYS = new Set(['flushIntervalMs', 'flushRecords', 'retainAfterTerminalHours', 'maxJobAgeDays'])

function fromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(ConfigSchema.shape)) {
    const value = env[envVarOf(key)]
    if (value === undefined || value === '') continue
    out[key] = NUMERIC_KEYS.has(key) ? Number(value) : value
  }
  return out
}

function fromFile(path: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new BatchmeterError(ErrorCode.Config, `cannot read config file ${path}: ${(error as Error).message}`, { cause: error })
  }
  try {
    const parsed: unknown = JSON.parse(text)
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('the file must hold a JSON object')
    return parsed as Record<string, unknown>
  } catch (error) {
    throw new BatchmeterError(ErrorCode.Config, `config file ${path} is not a JSON object: ${(error as Error).message}`, { cause: error })
  }
}

export interface LoadConfigOptions {
  file?: string
  env?: NodeJS.ProcessEnv
  /** Values from CLI flags; undefined entries are ignored. */
  flags?: Record<string, unknown>
}

/** Merges file < env < flags and validates once; a bad key or value names itself and where it came from. */
export function loadConfig({ file, env = process.env, flags = {} }: LoadConfigOptions = {}): Config {
  const fileValues = file ? fromFile(file) : {}
  const envValues = fromEnv(env)
  const flagValues = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined))
  const merged = { ...fileValues, ...envValues, ...flagValues }
  const result = ConfigSchema.safeParse(merged)
  if (result.success) return result.data
  const origin = (key: string): string =>
    key in flagValues ? `flag --${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : key in envValues ? `env ${envVarOf(key)}` : file ? `config file ${file}` : 'config'
  const problems = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return `unknown config key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} in ${file ?? 'config'}; known keys: ${Object.keys(ConfigSchema.shape).join(', ')}`
    }
    const key = String(issue.path[0] ?? '')
    return `${key} (${origin(key)}): ${issue.message}`
  })
  throw new BatchmeterError(ErrorCode.Config, `invalid configuration: ${problems.join('; ')}`, { context: { problems } })
}
