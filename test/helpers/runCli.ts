import { spawn } from 'node:child_process'
import { join } from 'node:path'

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

const ROOT = join(import.meta.dirname, '../..')

/** Runs `batchmeter ARGS` as a real child process (node + tsx), with extra env; `killAfterMs` sends it SIGKILL then, if it still runs. */
export function runCli(args: string[], env: Record<string, string> = {}, opts: { timeoutMs?: number; input?: string; killAfterMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'cli/main.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`batchmeter ${args.join(' ')} did not finish in ${opts.timeoutMs ?? 60_000} ms; stderr:\n${stderr}`))
    }, opts.timeoutMs ?? 60_000)
    const killer = opts.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      clearTimeout(killer)
      resolve({ code, signal, stdout, stderr })
    })
    child.stdin.end(opts.input ?? '')
  })
}
