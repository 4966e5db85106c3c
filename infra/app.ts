/**
 * The CDK app: `npx cdk deploy` (cdk.json runs this file) or `npm run synth`, which
 * runs it directly and writes the templates to cdk.out/ with no AWS account and no
 * network. Settings come from context (`-c key=value`, see appContext.ts); cdk-nag's
 * AwsSolutions checks run on every synth and stop it on an unsuppressed error.
 */
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { App, Validations } from 'aws-cdk-lib'
import { AwsSolutionsChecks } from 'cdk-nag'
import { BatchMeterStack } from './batchMeterStack.js'
import { contextFromArgv } from './contextFromArgv.js'

export interface CreateAppOptions {
  /** Context on top of cdk.json's and the CLI's. Default none. */
  context?: Record<string, unknown>
  /** Where the cloud assembly goes. Default `CDK_OUTDIR` (set by the CDK CLI), else `cdk.out`. */
  outdir?: string
  /** Run cdk-nag's AwsSolutions checks at synth (an unacknowledged error fails it). Default true; tests call the pack themselves. */
  nag?: boolean
}

export function createApp(options: CreateAppOptions = {}): { app: App; stack: BatchMeterStack } {
  const app = new App({ outdir: options.outdir ?? process.env.CDK_OUTDIR ?? 'cdk.out', context: options.context })
  const stackName = (app.node.tryGetContext('stackName') as string | undefined) ?? 'BatchMeter'
  // Account and region from the CLI's profile when deploying; left open (env-agnostic) for an offline synth.
  const account = process.env.CDK_DEFAULT_ACCOUNT
  const region = process.env.CDK_DEFAULT_REGION
  const stack = new BatchMeterStack(app, 'BatchMeter', { stackName, ...(account && region ? { env: { account, region } } : {}) })
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }))
  return { app, stack }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { app } = createApp({ context: contextFromArgv(process.argv.slice(2)) })
  const assembly = app.synth()
  for (const s of assembly.stacks) process.stderr.write(`batchmeter: wrote ${s.templateFullPath}\n`)
}
