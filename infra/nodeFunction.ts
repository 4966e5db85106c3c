/**
 * How every batchmeter Lambda is built: bundled at synth time by the local esbuild
 * (never Docker), ESM for Node 22, the AWS SDK v3 left to the runtime, an esbuild
 * metafile beside the bundle (the tests read it to prove what got in), its own log
 * group and a role that may write to that log group only.
 */
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { Duration, RemovalPolicy } from 'aws-cdk-lib'
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam'
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda'
import { NodejsFunction, OutputFormat, type ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs'
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs'
import { Construct } from 'constructs'
import { acknowledge } from './nag.js'

/** The repository root: entries, the lockfile and extra files are found from here. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url))

/** Makes `require` (and `__filename`/`__dirname`) work for CommonJS dependencies inside the ESM bundle. */
export const ESM_REQUIRE_BANNER = [
  "import { createRequire as __bmCreateRequire } from 'node:module';",
  "import { fileURLToPath as __bmFileURLToPath } from 'node:url';",
  "import { dirname as __bmDirname } from 'node:path';",
  'const require = __bmCreateRequire(import.meta.url);',
  'const __filename = __bmFileURLToPath(import.meta.url);',
  'const __dirname = __bmDirname(__filename);',
].join(' ')

/** Modules the Node 22 Lambda runtime provides. */
export const RUNTIME_PROVIDED_MODULES = ['@aws-sdk/*'] as const

export interface BatchmeterFunctionProps {
  /** Entry file, relative to the repository root (e.g. `consumers/lambda/handler.ts`). */
  entry: string
  /** Exported handler name. Default 'handler'. */
  handler?: string
  description: string
  environment: Record<string, string>
  /** Default 512 MB. */
  memorySize?: number
  /** Default 1 minute. */
  timeout?: Duration
  /** Folders (relative to the repository root) copied next to the bundle. Default none. */
  copyFiles?: readonly { from: string; to: string }[]
  /**
   * Modules the code loads with a `createRequire` require, which esbuild cannot follow: each is
   * bundled on its own (CommonJS, with its dependencies) to `node_modules/<specifier>` beside the
   * bundle, where that require finds it at run time. Default none.
   */
  runtimeRequires?: readonly string[]
  /** Log retention. Default one month. */
  logRetention?: RetentionDays
}

const shellQuote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`

const projectRequire = createRequire(`${PROJECT_ROOT}package.json`)

/** The esbuild that the local bundling uses too (the project's own): a native binary or its Node launcher, executable either way. */
const ESBUILD_BIN = projectRequire.resolve('esbuild/bin/esbuild')

function afterBundlingHooks(files: readonly { from: string; to: string }[], runtimeRequires: readonly string[]): ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir: string, outputDir: string) => [
      ...files.map((f) => `mkdir -p ${shellQuote(`${outputDir}/${f.to}`)} && cp -R ${shellQuote(`${inputDir}/${f.from}`)}/. ${shellQuote(`${outputDir}/${f.to}`)}/`),
      ...runtimeRequires.map((spec) =>
        [
          shellQuote(ESBUILD_BIN),
          shellQuote(projectRequire.resolve(spec)),
          '--bundle --platform=node --format=cjs --target=node22 --log-level=warning',
          `--outfile=${shellQuote(`${outputDir}/node_modules/${spec}`)}`,
        ].join(' '),
      ),
    ],
  }
}

/** A NodejsFunction with batchmeter's bundling, a log group of its own and a role scoped to it. */
export class BatchmeterFunction extends Construct {
  readonly function: NodejsFunction
  readonly role: Role
  readonly logGroup: LogGroup

  constructor(scope: Construct, id: string, props: BatchmeterFunctionProps) {
    super(scope, id)
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention ?? RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY })
    this.role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description: `batchmeter: ${props.description}` })
    // In place of AWSLambdaBasicExecutionRole (logs:* on every log group): this function's log group only.
    this.role.addToPolicy(new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.logGroup.logGroupArn] }))
    this.function = new NodejsFunction(this, 'Function', {
      entry: `${PROJECT_ROOT}${props.entry}`,
      handler: props.handler ?? 'handler',
      description: `batchmeter: ${props.description}`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.minutes(1),
      role: this.role,
      logGroup: this.logGroup,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        externalModules: [...RUNTIME_PROVIDED_MODULES],
        sourceMap: true,
        sourcesContent: false,
        metafile: true,
        ...(props.copyFiles?.length || props.runtimeRequires?.length ? { commandHooks: afterBundlingHooks(props.copyFiles ?? [], props.runtimeRequires ?? []) } : {}),
      },
    })
    acknowledge(this.function, {
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 on purpose: the runtime batchmeter is built and tested for (esbuild target node22, the SDK\'s supported line); move up together with the test matrix.',
    })
  }
}
