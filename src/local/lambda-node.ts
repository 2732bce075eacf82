// The Node that runs the lab's functions locally. Lambda runs them on nodejs22.x or
// nodejs24.x, and POC-Lambda-1 reads each order's numbers with JSON.parse's source text
// (Node 22 and later): on an older Node it fails every order, so the local AWS does not start.
import { UsageError } from '../errors.js';

export const LAMBDA_NODE_MAJOR = 22;

/** `version` and `env` are the running process's unless a test gives others. */
export function lambdaNode(version = process.version, env: NodeJS.ProcessEnv = process.env, execPath = process.execPath): string {
  if (env.POC_LAMBDA_NODE) return env.POC_LAMBDA_NODE;
  const major = Number(/^v?(\d+)/.exec(version)?.[1]);
  if (major < LAMBDA_NODE_MAJOR) {
    throw new UsageError(
      `The local AWS runs the lab's functions with this Node (${version}), but Lambda runs them on nodejs22.x or nodejs24.x, and on Node ${major} POC-Lambda-1 cannot read an order.`,
      `Run poc with Node 22 or 24 (https://nodejs.org), or set POC_LAMBDA_NODE to the path of a Node 22 or later binary.`,
    );
  }
  return execPath;
}
