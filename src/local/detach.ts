// poc local start --detach: the same runtime in a process of its own, its output in the
// log file beside the state file; this returns once its state file says it is ready.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PocError } from '../errors.js';
import { pocRoot } from '../resources/function-package.js';
import { logFile, readState, type LocalState } from './state.js';

export async function startDetached(options: { port?: number; stagePort?: number; say?: (text: string) => void; signal?: AbortSignal }): Promise<LocalState> {
  const log = logFile();
  mkdirSync(dirname(log), { recursive: true });
  const fd = openSync(log, 'w');
  const args = [join(pocRoot(import.meta.url), 'bin', 'poc.js'), 'local', 'start'];
  if (options.port !== undefined) args.push('--port', String(options.port));
  if (options.stagePort !== undefined) args.push('--stage-port', String(options.stagePort));
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', fd, fd], env: process.env });
  closeSync(fd);
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? 1));
  child.unref();
  // What the start says while it works (installing moto on a first run) is relayed from its
  // log, as the foreground start says it, up to its error if it fails (which ends the
  // message below); timestamped lines are the runtime's own log.
  const say = options.say ?? (() => {});
  let shown = 0;
  let failing = false;
  const tail = () => readFileSync(log, 'utf8').slice(shown).trim().split('\n').slice(-10).join('\n');
  const deadline = Date.now() + 180_000;
  for (;;) {
    const text = readFileSync(log, 'utf8');
    const state = readState();
    if (state && state.pid === child.pid) return state;
    // Whole lines only: the one being written is read next time.
    for (const line of text.slice(shown, text.lastIndexOf('\n') + 1).split('\n').slice(0, -1)) {
      failing ||= line.startsWith('Error:');
      if (failing) break;
      shown += line.length + 1;
      if (line.trim() && !/^\d{4}-\d\d-\d\dT/.test(line)) say(line.trim());
    }
    if (exited !== null) {
      const text = tail();
      // The runtime's own message (with its hint) is the last thing it printed.
      throw new PocError(`The local AWS did not start (exit ${exited}):\n${text}`, `Its log is ${log}.`, exited === 2 ? 2 : 1);
    }
    if (options.signal?.aborted) {
      process.kill(child.pid!, 'SIGTERM');
      throw options.signal.reason;
    }
    if (Date.now() > deadline) {
      process.kill(child.pid!, 'SIGTERM');
      throw new PocError('The local AWS did not get ready within 3 minutes.', `See its log: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
