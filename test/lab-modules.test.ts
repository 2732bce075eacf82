// A lab is a module: the generic code (commands, engine, resource kinds, UI, AWS helpers)
// reaches labs only through src/labs/lab.ts and the registry src/labs/index.ts, never a
// lab's own folder; a lab never imports a command; a lab's handlers never import from src/;
// and no file of src/ reaches itself through its imports. Read from the source tree.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { ROOT } from './helpers/cli.js';

const GENERIC = ['src/commands', 'src/engine', 'src/resources', 'src/ui', 'src/aws', 'src/cli.ts', 'src/errors.ts', 'src/suggest.ts'];

function sources(path: string): string[] {
  const full = join(ROOT, path);
  if (statSync(full).isFile()) return [full];
  return readdirSync(full).flatMap((name) => sources(join(path, name)));
}

/**
 * Every module a file imports: static imports, re-exports, import types, `import x =
 * require()` and dynamic import(), found by TypeScript's own pre-processor (so an import
 * in a comment or a string does not count).
 */
function imports(file: string): string[] {
  return ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);
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

  it('a lab never imports a command: the command layer opens the session and hands it to the lab', () => {
    const offenders = sources('src/labs')
      .filter((f) => f.endsWith('.ts'))
      .flatMap((file) => imports(file).filter((s) => s.startsWith('.')).map((spec) => ({ file, spec })))
      .filter(({ file, spec }) => !relative(join(ROOT, 'src/commands'), resolve(dirname(file), spec)).startsWith('..'))
      .map(({ file, spec }) => `${relative(ROOT, file)} imports ${spec}`);
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

/**
 * The import circles among these files, each named as one path round it ("a.ts -> b.ts ->
 * a.ts"): for each strongly connected component of more than one file (Tarjan), the
 * shortest way from its first file back to itself, then the rest of the component. Every
 * import counts, types included: an `import type` is erased at run time and cannot break
 * the modules' loading order, but it still binds the two files (neither can be read, moved
 * or split without the other), and one edit makes it a value import; the engine -> lab ->
 * dashboard circle of issue 21 was types only.
 */
function circles(files: string[]): string[] {
  const edges = new Map(files.map((file) => [file, [...new Set(imports(file).filter((s) => s.startsWith('.')).map((s) => resolve(dirname(file), s).replace(/\.js$/, '.ts')))].filter((f) => files.includes(f))]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const components: string[][] = [];
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
      if (component.length > 1 || edges.get(file)!.includes(file)) components.push(component.sort());
    }
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return components.map((component) => {
    // Breadth first from the component's first file, within the component, back to it.
    const [start] = component;
    const from = new Map<string, string>();
    const queue = [start!];
    while (queue.length) {
      const file = queue.shift()!;
      const next = edges.get(file)!.filter((f) => component.includes(f));
      if (next.includes(start!)) {
        const path = [file];
        while (path[0] !== start) path.unshift(from.get(path[0]!)!);
        const rest = component.filter((f) => !path.includes(f));
        return [...path, start!].map((f) => relative(ROOT, f)).join(' -> ') + (rest.length ? `; in the same circle: ${rest.map((f) => relative(ROOT, f)).join(', ')}` : '');
      }
      for (const f of next) if (!from.has(f) && f !== start) from.set(f, file), queue.push(f);
    }
    throw new Error(`no way round ${component.join(', ')}`);
  });
}

describe('the house has no import circles', () => {
  it('finds a circle where there is one, through type, dynamic and re-export imports, and names it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'poc-circle-'));
    writeFileSync(join(dir, 'a.ts'), "import type { B } from './b.js';\n// import { d } from './d.js'\n");
    writeFileSync(join(dir, 'b.ts'), "export const b = () => import('./c.js');\nexport const text = \"from './d.js'\";\n");
    writeFileSync(join(dir, 'c.ts'), "export { a } from './a.js';\nlet e: import('./e.js').E;\n");
    // d imports a, but nothing imports d (a's import of it is a comment, b's a string): no circle.
    writeFileSync(join(dir, 'd.ts'), "import { a } from './a.js';\nexport const d = 1;\n");
    writeFileSync(join(dir, 'e.ts'), "export type E = typeof import('./e.js');\n");
    try {
      const name = (n: string) => relative(ROOT, join(dir, n));
      assert.deepEqual(circles(['a', 'b', 'c', 'd', 'e'].map((n) => join(dir, `${n}.ts`))).sort(), [
        [name('a.ts'), name('b.ts'), name('c.ts'), name('a.ts')].join(' -> '),
        [name('e.ts'), name('e.ts')].join(' -> '),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('in src/: no file reaches itself through its imports (types, dynamic imports and re-exports included)', () => {
    const files = sources('src').filter((f) => f.endsWith('.ts'));
    assert.ok(files.length > 100, `src/ holds ${files.length} .ts files`);
    assert.deepEqual(circles(files), []);
  });
});
