// The state file of the running local AWS: which processes, which ports. Written by the
// runtime once everything answers, removed when it stops; `stop` ends exactly these pids.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from './paths.js';

export interface LocalState {
  /** The runtime (the `poc local start` process, foreground or detached). */
  pid: number;
  motoPid: number;
  motoPort: number;
  /** Where every AWS call goes: moto, on 127.0.0.1. */
  endpoint: string;
  stagePort: number;
  stageUrl: string;
  startedAt: string;
  /** The runtime's own log (detached runs write there). */
  logFile: string;
  /** The functions' folder (the unpacked code), removed at stop. */
  functionsDir: string;
}

export const stateFile = (env: NodeJS.ProcessEnv = process.env) => join(stateDir(env), 'state.json');
export const logFile = (env: NodeJS.ProcessEnv = process.env) => join(stateDir(env), 'runtime.log');

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The state of the local AWS that runs now; a file left by one that died is removed and ignored. */
export function readState(env: NodeJS.ProcessEnv = process.env): LocalState | undefined {
  let state: LocalState;
  try {
    state = JSON.parse(readFileSync(stateFile(env), 'utf8')) as LocalState;
  } catch {
    return undefined;
  }
  if (alive(state.pid)) return state;
  rmSync(stateFile(env), { force: true });
  return undefined;
}

export function writeState(state: LocalState, env: NodeJS.ProcessEnv = process.env) {
  mkdirSync(stateDir(env), { recursive: true });
  const tmp = `${stateFile(env)}.${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, stateFile(env));
}

export function removeState(pid: number, env: NodeJS.ProcessEnv = process.env) {
  try {
    const state = JSON.parse(readFileSync(stateFile(env), 'utf8')) as LocalState;
    if (state.pid !== pid) return;
  } catch {
    return;
  }
  rmSync(stateFile(env), { force: true });
}
