// The aws CLI as a student runs it, against the emulator: an `aws` command on PATH that
// runs the real aws CLI v1, each call in its own process with its own arguments, folder,
// streams and exit code, but loaded once (aws-cli-server.py) instead of ~1 s of Python
// start-up per call. If no Python here has the aws CLI, the test fails and says so.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ROOT } from './cli.js';

export interface AwsCli {
  /** PATH with this `aws` first. */
  path: string;
  close(): void;
}

/** The Python that has the aws CLI v1: python3, else the tests' own (POC_PYTHON). */
function awsCliPython(): string {
  const tried: string[] = [];
  for (const python of new Set(['python3', process.env.POC_PYTHON ?? 'python3'])) {
    const found = spawnSync(python, ['-c', 'import sys, awscli.clidriver; print(sys.executable)'], { encoding: 'utf8' });
    if (found.status === 0) return found.stdout.trim();
    tried.push(`${python}: ${found.error?.message ?? found.stderr.trim().split('\n').pop()}`);
  }
  throw new Error(`This test runs the aws CLI v1 as a student does, and no Python here has it (${tried.join('; ')}). Install it: python3 -m pip install awscli`);
}

/**
 * Starts the aws CLI for commands of these services (preloaded), every call sent to
 * `endpoint`; its `aws` goes in `folder`/bin.
 */
export async function startAwsCli(endpoint: string, services: string[], folder: string, env: NodeJS.ProcessEnv): Promise<AwsCli> {
  const python = awsCliPython();
  const socket = join(folder, 'aws.sock');
  const server = spawn(python, [join(ROOT, 'test', 'helpers', 'aws-cli-server.py'), socket, endpoint, services.join(',')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  server.stderr.on('data', (c) => (stderr = (stderr + c).slice(-4000)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`the aws CLI did not start within 60 s:\n${stderr}`)), 60_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      server.kill('SIGKILL');
      reject(error);
    };
    server.once('error', fail);
    server.once('exit', (code) => fail(new Error(`the aws CLI server exited (${code}) before it was ready:\n${stderr}`)));
    server.stdout.once('data', () => {
      clearTimeout(timer);
      server.removeAllListeners('exit');
      resolve();
    });
  });
  const bin = join(folder, 'bin');
  mkdirSync(bin, { recursive: true });
  // -I -S: a bare interpreter starts in a few milliseconds; the server has the CLI loaded.
  writeFileSync(
    join(bin, 'aws'),
    `#!${python} -IS
import json, os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(${JSON.stringify(socket)})
socket.send_fds(s, [json.dumps([os.getcwd(), sys.argv[1:], dict(os.environ)]).encode()], [0, 1, 2])
code = s.recv(8)
sys.exit(int(code) if code else 255)
`,
  );
  chmodSync(join(bin, 'aws'), 0o755);
  return {
    path: `${bin}${delimiter}${env.PATH ?? process.env.PATH ?? ''}`,
    close: () => server.kill('SIGTERM'),
  };
}
