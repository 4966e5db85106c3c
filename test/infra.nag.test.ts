/**
 * cdk-nag's AwsSolutions checks on the app as `npm run synth` and `cdk deploy` build it,
 * in three shapes (defaults; every optional part on; existing bucket and key): no
 * finding is left unacknowledged, and every acknowledgement says why.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type App, Validations } from 'aws-cdk-lib'
import { AwsSolutionsChecks } from 'cdk-nag'
import { afterAll, describe, expect, it } from 'vitest'
import { createApp } from '../infra/app.js'

const SHAPES: Record<string, Record<string, unknown>> = {
  defaults: {},
  'every optional part': {
    queues: 'prod-gpu,dev-*',
    alarmEmail: 'ops@example.com',
    reportEmail: 'finance@example.com',
    reportSchedule: 'monthly',
    versioned: 'true',
    accessLogs: 'true',
    destroyData: 'true',
    streamMode: 'on-demand',
    standaloneConsumer: 'true',
    archiveDays: '365',
  },
  'existing bucket and key': { bucketName: 'their-bucket', kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555', reportSchedule: 'off' },
}

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function build(context: Record<string, unknown>, nag: boolean): App {
  const outdir = mkdtempSync(join(tmpdir(), 'bm-infra-nag-'))
  dirs.push(outdir)
  return createApp({ outdir, nag, context: { 'aws:cdk:bundling-stacks': [], ...context } }).app
}

describe.each(Object.entries(SHAPES))('cdk-nag AwsSolutions: %s', (_shape, context) => {
  it('finds nothing unacknowledged (errors or warnings)', () => {
    const app = build(context, false)
    app.synth()
    const report = new AwsSolutionsChecks(app).validateScope(app)
    const findings = report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)
    expect(findings).toEqual([])
  })

  it("synthesizes with the checks on, as the app runs them, and CDK's template validation finds nothing either", () => {
    const app = build(context, true)
    expect(() => app.synth()).not.toThrow()
    const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as { pluginReports: { pluginName: string; conclusion: string; violations: unknown[] }[] }
    for (const plugin of report.pluginReports) expect({ plugin: plugin.pluginName, conclusion: plugin.conclusion, violations: plugin.violations }).toEqual({ plugin: plugin.pluginName, conclusion: 'success', violations: [] })
  })

  it('gives every acknowledgement a reason', () => {
    const app = build(context, false)
    const acks = app.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).map((m) => ({ path: c.node.path, data: m.data as Record<string, string> })))
    // Ours are the AwsSolutions ones (CDK itself acknowledges some of its own template-validation warnings).
    const ours = acks.flatMap(({ path, data }) => Object.entries(data).filter(([rule]) => /^Annotation::AwsSolutions-/.test(rule)).map(([rule, reason]) => ({ path, rule, reason })))
    expect(ours.length).toBeGreaterThan(0)
    for (const { path, rule, reason } of ours) expect(reason.length, `${path} ${rule}`).toBeGreaterThanOrEqual(40)
  })
})
