// Runs the built CLI in a real pseudo-terminal, as a person at a terminal runs it: util-linux's
// `script` gives poc a pty for stdin, stdout and stderr (so ora spins, @inquirer asks, and
// Ctrl-C typed as \x03 becomes SIGINT through the terminal's line discipline, not a kill()
// from the test). The screen is what the pty printed, escape codes included.
import { spawn } from 'node:child_process';
import { hintProblems } from './hints.js';
import { ROOT } from './cli.js';

export interface Keys {
  /** Typed once the screen (escape codes stripped) matches this. */
  when: RegExp;
  send: string;
}

export interface TerminalRun {
  code: number | null;
  /** Everything printed, as the terminal received it. */
  raw: string;
  /** The same without escape codes and carriage returns. */
  screen: string;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
// CSI and OSC sequences, and the two-character ones (ESC 7, ESC 8...).
export const stripEscapes = (text: string) => text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[78=>]/g, '').replace(/\r/g, '');

/**
 * `keys` are typed in order, each when the screen shows its cue; `columns` sets the terminal's
 * width (stty), as a narrow window would. Fails if a cue never comes (bounded by `timeoutMs`).
 */
export function runInTerminal(args: string[], env: NodeJS.ProcessEnv, keys: Keys[] = [], options: { columns?: number; timeoutMs?: number } = {}): Promise<TerminalRun> {
  const command = `stty cols ${options.columns ?? 80} rows 40; exec ${shellQuote(process.execPath)} bin/poc.js ${args.map(shellQuote).join(' ')}`;
  return new Promise((resolve, reject) => {
    // -q quiet, -f flush each write, -e the child's exit code; the typescript goes nowhere.
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, env: { TERM: 'xterm-256color', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let raw = '';
    let next = 0;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`poc ${args.join(' ')} in a terminal: ${next < keys.length ? `never showed ${keys[next].when}` : 'did not end'} within ${options.timeoutMs ?? 120_000} ms. Screen:\n${stripEscapes(raw)}`));
    }, options.timeoutMs ?? 120_000);
    const type = () => {
      while (next < keys.length && keys[next].when.test(stripEscapes(raw))) child.stdin.write(keys[next++].send);
    };
    child.stdout.on('data', (chunk) => {
      raw += chunk;
      type();
    });
    child.stderr.on('data', (chunk) => (raw += chunk));
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`Cannot run util-linux's script (apt-get install -y bsdutils): ${error.message}`));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      const screen = stripEscapes(raw);
      const problems = hintProblems(args, screen);
      if (problems.length) reject(new Error(`poc ${args.join(' ')} suggested commands that would not run as is:\n  ${problems.join('\n  ')}\n${screen}`));
      else resolve({ code, raw, screen });
    });
  });
}
