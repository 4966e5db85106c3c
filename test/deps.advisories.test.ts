import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * The dependency audit, pinned: `npm audit` cannot run here (the registry these machines
 * reach answers its advisory endpoint with 405), so known advisories for packages in
 * the tree are pinned below and checked against package-lock.json. Two are present,
 * both only under s3rver, the local S3 stand-in on 127.0.0.1 (tests, `npm start`),
 * never loaded by the consumer against AWS or by the Lambda handler. Run `npm audit`
 * where the registry answers it, and add what it finds here.
 */
interface Advisory {
  id: string
  pkg: string
  /** Whether an installed version is affected. */
  affects: (version: string) => boolean
  /** Packages a vulnerable copy may sit under (accepted risk), with the reason. */
  acceptedUnder?: { parents: string[]; why: string }
}

const v = (s: string): number[] => s.split(/[.+-]/).slice(0, 3).map(Number)
const lt = (a: string, b: string): boolean => {
  const [x, y] = [v(a), v(b)]
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0)
  return false
}
const LOCAL_ONLY = { parents: ['s3rver'], why: 'local S3 stand-in on loopback; upstream s3rver has not moved off it (jamhall/s3rver#807)' }

const ADVISORIES: Advisory[] = [
  { id: 'GHSA-x3cc-x39p-42qx (prototype pollution, < 4.1.2)', pkg: 'fast-xml-parser', affects: (x) => lt(x, '4.1.2'), acceptedUnder: LOCAL_ONLY },
  { id: 'GHSA-wm7h-9275-46v2 (crash in HeaderParser, every version)', pkg: 'dicer', affects: () => true, acceptedUnder: { ...LOCAL_ONLY, parents: ['busboy', 's3rver'] } },
  { id: 'GHSA-776f-qx25-q3cc / CVE-2023-0842 (prototype pollution, < 0.5.0)', pkg: 'xml2js', affects: (x) => lt(x, '0.5.0') },
  { id: 'CVE-2023-36665 (prototype pollution, < 7.2.4)', pkg: 'protobufjs', affects: (x) => lt(x, '7.2.4') },
  { id: 'CVE-2022-25883 (ReDoS, < 7.5.2)', pkg: 'semver', affects: (x) => v(x)[0] === 7 && lt(x, '7.5.2') },
  { id: 'CVE-2021-44906 (prototype pollution, < 1.2.6)', pkg: 'minimist', affects: (x) => lt(x, '1.2.6') },
  { id: 'CVE-2021-43138 (prototype pollution, < 2.6.4)', pkg: 'async', affects: (x) => v(x)[0] === 2 && lt(x, '2.6.4') },
  { id: 'CVE-2024-21538 (ReDoS, < 7.0.5)', pkg: 'cross-spawn', affects: (x) => v(x)[0] === 7 && lt(x, '7.0.5') },
  { id: 'CVE-2024-45296 (ReDoS, 6.x < 6.3.0)', pkg: 'path-to-regexp', affects: (x) => v(x)[0] === 6 && lt(x, '6.3.0') },
  { id: 'CVE-2024-55565 (predictable ids, < 3.3.8)', pkg: 'nanoid', affects: (x) => v(x)[0] === 3 && lt(x, '3.3.8') },
  { id: 'CVE-2021-23337 (command injection, < 4.17.21)', pkg: 'lodash', affects: (x) => lt(x, '4.17.21') },
]

interface LockPackage {
  version?: string
  dev?: boolean
}
const lock = JSON.parse(readFileSync(join(import.meta.dirname, '../package-lock.json'), 'utf8')) as { packages: Record<string, LockPackage> }

/** Installed copies of a package: the lock path and version. */
const copies = (pkg: string) =>
  Object.entries(lock.packages)
    .filter(([path]) => path.endsWith(`node_modules/${pkg}`))
    .map(([path, info]) => ({ path, version: info.version ?? '0.0.0' }))

/** Which packages depend on this lock path (for a hoisted copy, every package that names it). */
function dependents(pkg: string): string[] {
  const all = lock.packages as Record<string, LockPackage & { dependencies?: Record<string, string> }>
  return Object.entries(all)
    .filter(([, info]) => info.dependencies?.[pkg] !== undefined)
    .map(([path]) => path.split('node_modules/').pop() || '(root)')
}

describe('dependency audit (pinned advisories)', () => {
  it.each(ADVISORIES.map((a) => [a.id, a] as const))('%s', (_id, advisory) => {
    for (const copy of copies(advisory.pkg).filter((c) => advisory.affects(c.version))) {
      const users = dependents(advisory.pkg)
      expect(advisory.acceptedUnder, `${advisory.pkg}@${copy.version} at ${copy.path} is affected (used by ${users.join(', ')})`).toBeDefined()
      for (const u of users) expect(advisory.acceptedUnder!.parents, `${advisory.pkg}@${copy.version} is reached through ${u}`).toContain(u)
    }
  })

  it('the local stand-ins (s3rver, kinesalite, dynalite) are loaded only by local/ and tests, never by the consumer, the Lambda handler or the CLI core', () => {
    const files = ['consumers/lambda/handler.ts', 'consumers/standaloneConsumer.ts', 'consumers/kinesisConsumer.ts', 'cli/commands/consume.ts', 'core/awsClients.ts']
    for (const f of files) expect(readFileSync(join(import.meta.dirname, '..', f), 'utf8'), f).not.toMatch(/(from |require\()['"](s3rver|kinesalite|dynalite|[./]*local\/localStack\.js)['"]/)
  })
})
