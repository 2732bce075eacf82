// The Lambda Node.js runtime's importable packages: the AWS SDK v3 and nothing else. A
// function's code is unpacked below a folder whose node_modules links poc's own @aws-sdk/*
// packages and their dependency closure, found by reading the packages' package.json files
// as Node resolves them (an npm-installed poc has no package-lock.json of its own).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pocRoot } from '../resources/function-package.js';

/** The node_modules folder poc's own @aws-sdk packages are found in (poc's own, or the one it is installed into). */
export function sdkNodeModules(root: string = pocRoot(import.meta.url)): string {
  for (let dir = root; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules', '@aws-sdk', 'core', 'package.json'))) return join(dir, 'node_modules');
    if (dir === dirname(dir)) throw new Error(`poc's AWS SDK is not installed (no node_modules/@aws-sdk above ${root}): run npm install in the poc folder`);
  }
}

/** The package folder `name` resolves to from `from` (a package's real folder), as Node looks it up. */
function resolvePackage(from: string, name: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = dir.endsWith('/node_modules') ? join(dir, name) : join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === dirname(dir)) return undefined;
  }
}

/**
 * Top-level packages to link, by name: every @aws-sdk/* in `modules` (those `sdk` takes,
 * by the name after @aws-sdk/) and what they need (dependencies, optional and peer), found
 * from each package's real folder. A dependency nested in a package's own node_modules is
 * reached through that package's link.
 */
export function runtimePackages(modules: string = sdkNodeModules(), sdk: (name: string) => boolean = () => true): Map<string, string> {
  const linked = new Map<string, string>();
  const seen = new Set<string>();
  const todo = readdirSync(join(modules, '@aws-sdk'))
    .filter(sdk)
    .map((n) => join(modules, '@aws-sdk', n));
  while (todo.length) {
    const dir = todo.pop()!;
    const real = realpathSync(dir);
    if (seen.has(real)) continue;
    seen.add(real);
    let pkg: { name?: string; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
    try {
      pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    // Top level: directly in a node_modules folder that is no package's own (a nested one
    // is reached through its parent's link).
    const folder = pkg.name?.startsWith('@') ? dirname(dirname(dir)) : dirname(dir);
    if (pkg.name && basename(folder) === 'node_modules' && !`${dirname(folder)}/`.includes('/node_modules/') && !linked.has(pkg.name)) linked.set(pkg.name, dir);
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies })) {
      const found = resolvePackage(real, dep);
      if (found) todo.push(found);
    }
  }
  return linked;
}

/**
 * A new folder (in the system's temp folder, with no node_modules above it) whose
 * node_modules holds the runtime's packages. Functions are unpacked below it.
 */
export function makeRuntimeFolder(prefix = 'poc-lambda-', packages: Map<string, string> = runtimePackages()): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  for (let dir = dirname(root); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules'))) throw new Error(`${join(dir, 'node_modules')} exists: a function unpacked below it could import from it`);
    if (dir === dirname(dir)) break;
  }
  for (const [name, dir] of packages) {
    const link = join(root, 'node_modules', name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(dir, link, 'dir');
  }
  return root;
}
