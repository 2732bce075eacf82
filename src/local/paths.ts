// Where the local AWS keeps what outlives one command: its state file (which processes,
// which ports) under the user's state directory, the venv with moto under the cache.
// POC_STATE_DIR and XDG_* move them (the tests point them at temporary folders).
import { homedir } from 'node:os';
import { join } from 'node:path';

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.POC_STATE_DIR || join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'poc');
  return join(base, 'local');
}

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'poc');
}
