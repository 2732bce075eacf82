// Colour as chalk detects it (src/ui/format.ts): on a terminal unless NO_COLOR, FORCE_COLOR=0
// or TERM=dumb says otherwise; through a pipe only when FORCE_COLOR asks for it. The
// terminal is a real pseudo-terminal, made by util-linux's script(1).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { ROOT } from './helpers/cli.js';

const SGR = /\x1b\[[0-9;]*m/g;

/** `poc explain 2` with this environment, on a terminal or through a pipe; how many colour codes it printed. */
function colours(env: Record<string, string>, terminal: boolean): number {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !['CI', 'NO_COLOR', 'FORCE_COLOR', 'TERM'].includes(k))) as Record<string, string>;
  const command = [process.execPath, 'bin/poc.js', 'explain', '2', '--lab', 'orders'];
  const run = terminal
    ? spawnSync('script', ['-qec', command.join(' '), '/dev/null'], { cwd: ROOT, env: { ...base, TERM: 'xterm', ...env }, encoding: 'utf8' })
    : spawnSync(command[0]!, command.slice(1), { cwd: ROOT, env: { ...base, TERM: 'xterm', ...env }, encoding: 'utf8' });
  assert.equal(run.error, undefined, `script(1) from util-linux is needed for this test: ${run.error?.message}`);
  assert.equal(run.status, 0, run.stderr);
  return (run.stdout.match(SGR) ?? []).length;
}

describe('colour', () => {
  it('is on at a terminal, and off with NO_COLOR, FORCE_COLOR=0 or TERM=dumb', () => {
    assert.ok(colours({}, true) > 0);
    assert.equal(colours({ NO_COLOR: '1' }, true), 0);
    assert.equal(colours({ FORCE_COLOR: '0' }, true), 0);
    assert.equal(colours({ TERM: 'dumb' }, true), 0);
  });

  it('is off through a pipe, unless FORCE_COLOR asks for it (even over NO_COLOR)', () => {
    assert.equal(colours({}, false), 0);
    assert.ok(colours({ FORCE_COLOR: '1' }, false) > 0);
    assert.ok(colours({ FORCE_COLOR: '1', NO_COLOR: '1' }, false) > 0);
  });
});
