// A lab is a module: the generic code (commands, engine, resource kinds, UI, AWS helpers)
// reaches labs only through src/labs/lab.ts and the registry src/labs/index.ts, never a
// lab's own folder; and a lab's handlers never import from src/. Read from the source tree.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/** The import circles among src/'s files: each strongly connected component of more than one file (Tarjan). */
function circles(files: string[]): string[][] {
  const edges = new Map(files.map((file) => [file, imports(file).filter((s) => s.startsWith('.')).map((s) => resolve(dirname(file), s).replace(/\.js$/, '.ts')).filter((f) => files.includes(f))]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (file: string) => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    for (const next of edges.get(file)!) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (stack.includes(next)) low.set(file, Math.min(low.get(file)!, index.get(next)!));
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let top: string;
      do component.push((top = stack.pop()!)); while (top !== file);
      if (component.length > 1 || edges.get(file)!.includes(file)) found.push(component.map((f) => relative(ROOT, f)).sort());
    }
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return found;
}

describe('the house has no import circles', () => {
  it('finds a circle where there is one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'poc-circle-'));
    writeFileSync(join(dir, 'a.ts'), "import type { B } from './b.js';\n");
    writeFileSync(join(dir, 'b.ts'), "export const b = () => import('./c.js');\n");
    writeFileSync(join(dir, 'c.ts'), "export { a } from './a.js';\nimport { d } from './d.js';\n");
    writeFileSync(join(dir, 'd.ts'), 'export const d = 1;\n');
    try {
      assert.deepEqual(circles(['a', 'b', 'c', 'd'].map((n) => join(dir, `${n}.ts`))), [['a.ts', 'b.ts', 'c.ts'].map((n) => relative(ROOT, join(dir, n)))]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('in src/: no file reaches itself through its imports (types and dynamic imports included)', () => {
    // The engine names no lab type, and the lab contract no dashboard type. One circle is
    // left (issue 21): the labs' try-it code (send-order, upload) opens its session and
    // builds its hints with the commands' context.ts and suggest.ts, and the commands import
    // the labs. It is listed whole, so that it cannot grow and no other circle can appear;
    // when the command layer hands the session to the lab, the list becomes empty.
    const TRY_IT = ['commands/context', 'commands/suggest', 'labs/index', 'labs/inventory/index', 'labs/inventory/upload-view', 'labs/inventory/upload', 'labs/orders/follow-order', 'labs/orders/index', 'labs/orders/send-order-view', 'labs/orders/send-order'];
    assert.deepEqual(circles(sources('src').filter((f) => f.endsWith('.ts'))), [TRY_IT.map((f) => `src/${f}.ts`).sort()]);
  });
});
