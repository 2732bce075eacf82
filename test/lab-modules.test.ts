// A lab is a module: the generic code (commands, engine, resource kinds, UI, AWS helpers)
// reaches labs only through src/labs/lab.ts and the registry src/labs/index.ts, never a
// lab's own folder; and a lab's handlers never import from src/. Read from the source tree.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from './helpers/cli.js';

const GENERIC = ['src/commands', 'src/engine', 'src/resources', 'src/ui', 'src/aws', 'src/cli.ts', 'src/errors.ts'];

function sources(path: string): string[] {
  const full = join(ROOT, path);
  if (statSync(full).isFile()) return [full];
  return readdirSync(full).flatMap((name) => sources(join(path, name)));
}

/** Every module a file imports: static imports, re-exports, import types and dynamic import(). */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [...text.matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm)];
  return found.map((m) => m[1] ?? m[2] ?? m[3]);
}

const labFolders = readdirSync(join(ROOT, 'src/labs')).filter((name) => statSync(join(ROOT, 'src/labs', name)).isDirectory());

describe('labs are modules', () => {
  it('the lab folders exist (so the checks below look at something)', () => {
    assert.ok(labFolders.includes('orders'), `src/labs holds ${labFolders.join(', ')}`);
    assert.ok(sources('src/commands').length > 5);
  });

  it('nothing in the commands, engine, resource kinds, UI or AWS helpers imports a lab folder', () => {
    const offenders: string[] = [];
    for (const file of GENERIC.flatMap(sources).filter((f) => f.endsWith('.ts'))) {
      for (const spec of imports(file).filter((s) => s.startsWith('.'))) {
        const target = relative(join(ROOT, 'src/labs'), resolve(dirname(file), spec));
        const folder = target.split(/[\\/]/)[0];
        if (!target.startsWith('..') && labFolders.includes(folder)) offenders.push(`${relative(ROOT, file)} imports ${spec}`);
      }
    }
    assert.deepEqual(offenders, []);
  });

  it("a lab's handlers import nothing from src/", () => {
    const offenders = sources('handlers')
      .filter((f) => f.endsWith('.ts'))
      .flatMap((file) => imports(file).filter((s) => s.startsWith('.')).map((spec) => ({ file, spec })))
      .filter(({ file, spec }) => !relative(ROOT, resolve(dirname(file), spec)).startsWith('handlers'))
      .map(({ file, spec }) => `${relative(ROOT, file)} imports ${spec}`);
    assert.deepEqual(offenders, []);
  });
});
