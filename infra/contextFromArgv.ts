/** `-c key=value` / `--context key=value` pairs, for `npm run synth -- -c queues=a,b` (the CDK CLI parses its own). */
export function contextFromArgv(argv: readonly string[]): Record<string, string> {
  const context: Record<string, string> = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const inline = /^--context=(.*)$/.exec(arg)
    const pair = inline ? inline[1] : arg === '-c' || arg === '--context' ? argv[++i] : undefined
    if (pair === undefined) continue
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new Error(`context "${pair}" must be key=value`)
    context[pair.slice(0, eq)] = pair.slice(eq + 1)
  }
  return context
}
