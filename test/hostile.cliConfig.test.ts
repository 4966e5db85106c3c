import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lambdaConfigFromEnv } from '../consumers/lambda/lambdaConfig.js'
import { runCli } from './helpers/runCli.js'

/**
 * Bad configuration and a broken environment: each run ends with one line on stderr
 * that names what to fix, and a non-zero exit code — never a stack trace, never a hang.
 */
let dir: string
/** A loopback port nothing listens on. */
let closedPort: number

/** The environment of a machine with no AWS set-up at all (and no instance metadata to ask). */
const bare = { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '', AWS_PROFILE: '', AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/nonexistent/config', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials' }

type Run = Awaited<ReturnType<typeof runCli>>
/** Every CLI run starts at once (the unreachable-endpoint one spends ~30 s in retry back-off); each test awaits its own. */
const runs: Record<string, Promise<Run>> = {}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bm-clicfg-'))
  closedPort = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
  const file = (name: string, text: string) => writeFile(join(dir, name), text).then(() => join(dir, name))
  const unknown = await file('unknown.json', JSON.stringify({ stream: 's', bucket: 'bbb', flushRecordz: 10 }))
  const types = await file('types.json', JSON.stringify({ stream: 's', bucket: 'bbb', flushRecords: 'lots' }))
  const broken = await file('broken.json', '{"stream": "s",')
  const endpoint = `http://127.0.0.1:${closedPort}`
  const plan: Record<string, [string[], Record<string, string>, { timeoutMs?: number }?]> = {
    unreachable: [['consume', '--stream', 's', '--bucket', 'bbb', '--s3-endpoint-url', endpoint, '--kinesis-endpoint-url', endpoint], bare, { timeoutMs: 58_000 }],
    unknownKey: [['consume', '--config', unknown], bare],
    fromFile: [['consume', '--config', types], bare],
    fromEnv: [['consume', '--stream', 's', '--bucket', 'bbb'], { ...bare, BATCHMETER_FLUSH_INTERVAL_MS: 'soon' }],
    fromFlag: [['consume', '--stream', 's', '--bucket', 'bbb', '--flush-records', '-5'], bare],
    notJson: [['consume', '--config', broken], bare],
    noStream: [['consume', '--bucket', 'bbb'], bare],
    unknownFlag: [['consume', '--stream', 's', '--bucket', 'bbb', '--flush-recordz', '5'], bare],
    badEndpoint: [['consume', '--stream', 's', '--bucket', 'bbb'], { ...bare, AWS_ENDPOINT_URL_S3: 'localhost:4566' }],
    // A named profile that does not exist: the SDK's chain finds no credentials (and never leaves this machine).
    noCredentials: [['consume', '--stream', 's', '--bucket', 'bbb', '--endpoint-url', endpoint], { ...bare, AWS_PROFILE: 'no-such-profile' }],
  }
  for (const [name, [args, env, opts]] of Object.entries(plan)) runs[name] = runCli(args, env, opts)
  // Keep an early rejection from going unhandled before its test awaits it.
  for (const r of Object.values(runs)) r.catch(() => undefined)
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

function expectOneLineError(r: { code: number | null; stderr: string }, ...mentions: RegExp[]): void {
  expect(r.code, r.stderr).not.toBe(0)
  expect(r.code, r.stderr).not.toBeNull()
  // commander may add a hint line ("(Did you mean …?)", "(run with --help …)") below the error itself.
  const lines = r.stderr.trim().split('\n').filter((l) => !/^\((run with --help|Did you mean)/.test(l))
  expect(lines, r.stderr).toHaveLength(1)
  expect(r.stderr).not.toMatch(/\n\s+at /) // no stack trace
  for (const m of mentions) expect(lines[0]).toMatch(m)
}

describe('configuration and CLI errors: one line naming the fix, exit non-zero', () => {
  it('an unknown key in the config file names the key, the file and the known keys', async () => {
    expectOneLineError(await runs.unknownKey!, /unknown config key "flushRecordz"/, /unknown\.json/, /known keys: .*flushRecords/)
  })

  it('a wrong type in the file, in the environment and in a flag each names the key and where it came from', async () => {
    expectOneLineError(await runs.fromFile!, /flushRecords \(config file .*types\.json\)/)
    expectOneLineError(await runs.fromEnv!, /flushIntervalMs \(env BATCHMETER_FLUSH_INTERVAL_MS\)/)
    expectOneLineError(await runs.fromFlag!, /--flush-records/, /expected an integer from 1/)
    expectOneLineError(await runs.notJson!, /broken\.json is not a JSON object/)
  })

  it('missing options, unknown flags and malformed endpoints name themselves', async () => {
    expectOneLineError(await runs.noStream!, /--stream <name>.*is required/)
    expectOneLineError(await runs.unknownFlag!, /unknown option '--flush-recordz'/)
    expectOneLineError(await runs.badEndpoint!, /AWS_ENDPOINT_URL_S3 is "localhost:4566"/, /http:\/\/127\.0\.0\.1/)
  })

  it('missing credentials say so and how to provide them', async () => {
    expectOneLineError(await runs.noCredentials!, /credentials/i, /AWS_PROFILE|AWS_ACCESS_KEY_ID/)
  })

  it('an unreachable endpoint names the endpoint setting to check, after bounded retries', async () => {
    expectOneLineError(await runs.unreachable!, /ECONNREFUSED/, /endpoint/, /AWS_ENDPOINT_URL_S3|--s3-endpoint-url/)
  })

  it('the Lambda handler configuration names the missing or bad variable', () => {
    expect(() => lambdaConfigFromEnv({ BATCHMETER_BUCKET: 'bbb' })).toThrow(/BATCHMETER_STATE_TABLE is not set; set it in the function's environment/)
    expect(() => lambdaConfigFromEnv({ BATCHMETER_STATE_TABLE: 't' })).toThrow(/BATCHMETER_BUCKET is not set/)
    expect(() => lambdaConfigFromEnv({ BATCHMETER_BUCKET: 'bbb', BATCHMETER_STATE_TABLE: 't', BATCHMETER_MAX_RECORDS_PER_COMMIT: '0.5' })).toThrow(/BATCHMETER_MAX_RECORDS_PER_COMMIT is "0.5"/)
    expect(() => lambdaConfigFromEnv({ BATCHMETER_BUCKET: 'bbb', BATCHMETER_STATE_TABLE: 't', BATCHMETER_RETAIN_AFTER_TERMINAL_HOURS: 'forever' })).toThrow(/retainAfterTerminalHours \(env BATCHMETER_RETAIN_AFTER_TERMINAL_HOURS\)/)
  })
})
