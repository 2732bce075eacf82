// The emulator: moto at one pinned version, found in the user's Python or installed by poc
// into a venv under the cache directory. `poc local start` and the test runner
// (test/run-tests.js) both come through here, so a fresh machine with Python 3 sets itself up.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PocError } from '../errors.js';
import { pocRoot } from '../resources/function-package.js';
import { cacheDir } from './paths.js';

/** The one moto version the launcher's patches are written for (src/local/moto-launcher.py checks it too). */
export const MOTO_VERSION = '5.2.1';
const REQUIREMENT = `moto[server]==${MOTO_VERSION}`;

/** The launcher that patches moto and serves it (shipped in the package beside dist/). */
export function launcherPath(moduleUrl: string = import.meta.url): string {
  return join(pocRoot(moduleUrl), 'src', 'local', 'moto-launcher.py');
}

export function venvDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), `moto-${MOTO_VERSION}`);
}

// Asks the installed packages' metadata, without importing moto (seconds: it loads boto3),
// and prints the interpreter's real path: a version manager's shim (pyenv's python3 is a
// shell script) costs a second or more per start, so the launcher is run without it.
const PROBE = [
  'import sys, importlib.util as u, importlib.metadata as m',
  "sys.exit(1) if any(u.find_spec(n) is None for n in ('moto', 'flask', 'flask_cors', 'werkzeug')) else None",
  "print(m.version('moto')); print(sys.executable)",
].join('\n');

/** moto's version in this Python with its server extras (flask, werkzeug), and the interpreter's own path; undefined without them. */
export function motoIn(python: string): { version: string; executable: string } | undefined {
  const probe = spawnSync(python, ['-c', PROBE], { encoding: 'utf8' });
  if (probe.status !== 0) return undefined;
  const [version = '', executable] = probe.stdout.trim().split('\n');
  return { version: version.trim(), executable: executable?.trim() || python };
}

export interface FoundMoto {
  python: string;
  version: string;
  /** True when this call installed it. */
  installed: boolean;
}

/**
 * A Python that has moto MOTO_VERSION with its server extras: POC_PYTHON (or python3) if it
 * has it, else poc's own venv, installing it there first when missing. `say` hears progress.
 */
export function findMoto(say: (text: string) => void = () => {}, env: NodeJS.ProcessEnv = process.env): FoundMoto {
  const base = baseOf(env);
  const own = motoIn(base);
  if (own?.version === MOTO_VERSION) return { python: own.executable, version: own.version, installed: false };
  const dir = venvDir(env);
  const venvPython = join(dir, 'bin', 'python');
  if (existsSync(venvPython) && motoIn(venvPython)?.version === MOTO_VERSION) return { python: venvPython, version: MOTO_VERSION, installed: false };

  const version = spawnSync(base, ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    throw new PocError(
      `The local AWS runs moto, a Python program, and there is no ${base} on this machine.`,
      `Install Python 3 (Debian/Ubuntu: sudo apt-get install python3 python3-venv; macOS: brew install python), or set POC_PYTHON to a Python 3, then run the same command again.`,
    );
  }
  const byHand = `${base} -m venv ${dir} && ${join(dir, 'bin', 'pip')} install '${REQUIREMENT}'`;
  say(own ? `${base} has moto ${own.version}; poc needs ${MOTO_VERSION}: installing it into ${dir} (once)…` : `Installing moto ${MOTO_VERSION} into ${dir} (once; about a minute)…`);
  rmSync(dir, { recursive: true, force: true });
  const venv = spawnSync(base, ['-m', 'venv', dir], { encoding: 'utf8' });
  if (venv.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new PocError(
      `${base} -m venv failed: ${(venv.stderr || venv.error?.message || '').trim().split('\n').pop()}`,
      `Install Python's venv module (Debian/Ubuntu: sudo apt-get install python3-venv), or install moto yourself: ${byHand}`,
    );
  }
  say(`pip install '${REQUIREMENT}'…`);
  const pip = spawnSync(venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', REQUIREMENT], { encoding: 'utf8' });
  if (pip.status !== 0 || motoIn(venvPython)?.version !== MOTO_VERSION) {
    const why = (pip.stderr || pip.error?.message || '').trim().split('\n').filter(Boolean).pop() ?? `exit ${pip.status}`;
    rmSync(dir, { recursive: true, force: true });
    throw new PocError(
      `pip could not install ${REQUIREMENT} (is the Python package index reachable from here?): ${why}`,
      `Run it by hand where pip can reach an index (or a mirror: PIP_INDEX_URL), then run the same command again:\n  ${byHand}\nor point POC_PYTHON at a Python that has moto ${MOTO_VERSION} with its server extras.`,
    );
  }
  say(`moto ${MOTO_VERSION} installed in ${dir}`);
  return { python: venvPython, version: MOTO_VERSION, installed: true };
}

// The interpreter the last start found, by the command it was found from (POC_PYTHON or
// python3): the next start runs moto with it at once while findMoto confirms it (runtime.ts).
const lastFile = (env: NodeJS.ProcessEnv) => join(cacheDir(env), 'moto-python.json');
const baseOf = (env: NodeJS.ProcessEnv) => env.POC_PYTHON || 'python3';

/** The interpreter findMoto found last time from the same command, if it is still there. */
export function lastPython(env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    const last = JSON.parse(readFileSync(lastFile(env), 'utf8')) as { base?: string; python?: string };
    return last.base === baseOf(env) && last.python && existsSync(last.python) ? last.python : undefined;
  } catch {
    return undefined;
  }
}

export function rememberPython(python: string, env: NodeJS.ProcessEnv = process.env) {
  try {
    mkdirSync(cacheDir(env), { recursive: true });
    writeFileSync(lastFile(env), JSON.stringify({ base: baseOf(env), python }));
  } catch {
    // Only a head start is lost.
  }
}

