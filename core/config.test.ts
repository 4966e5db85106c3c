import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigSchema, envVarOf, loadConfig } from './config.js'

describe('configuration', () => {
  it('merges file < env < flags', () => {
    const config = loadConfig({ env: { BATCHMETER_STREAM: 'from-env', BATCHMETER_FLUSH_RECORDS: '500' }, flags: { stream: 'from-flag', bucket: undefined } })
    expect(config).toMatchObject({ stream: 'from-flag', flushRecords: 500, startAt: 'TRIM_HORIZON', prefix: '' })
  })

  it('names a bad value and where it came from', () => {
    expect(() => loadConfig({ env: { BATCHMETER_FLUSH_INTERVAL_MS: 'soon' } })).toThrow(/flushIntervalMs \(env BATCHMETER_FLUSH_INTERVAL_MS\)/)
    expect(() => loadConfig({ flags: { startAt: 'yesterday' } })).toThrow(/startAt \(flag --start-at\)/)
  })

  it('names an unknown key in a config file', () => {
    const file = join(import.meta.dirname, '../test/fixtures/config-unknown-key.json')
    expect(() => loadConfig({ file, env: {} })).toThrow(/unknown config key "strem".*known keys: region, stream/)
  })

  it('the README lists every key with its environment variable', () => {
    const readme = readFileSync(join(import.meta.dirname, '../README.md'), 'utf8')
    for (const key of Object.keys(ConfigSchema.shape)) expect(readme).toContain(`| \`${key}\` | \`${envVarOf(key)}\` |`)
  })
})
