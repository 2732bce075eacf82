// The CLI as bin/poc.js loads it: tsc's output (dist/src) bundled with its dependencies
// into dist/cli/. Node then reads a few large files instead of the thousands of small
// modules under node_modules, which halves the AWS SDK's loading time (figures in the
// commit that added this). Every dynamic import() stays a separate chunk (splitting), so
// `poc --help` still loads no command, and a command only the SDK clients it uses.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

rmSync('dist/cli', { recursive: true, force: true });
await build({
  entryPoints: ['dist/src/cli.js'],
  outdir: 'dist/cli',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The SDK's ES modules (not its CommonJS build), so that unused code can be left out.
  mainFields: ['module', 'main'],
  // CommonJS dependencies call require() for Node's built-in modules.
  banner: { js: "import { createRequire as __pocRequire } from 'node:module'; const require = __pocRequire(import.meta.url);" },
  chunkNames: 'chunks/[name]-[hash]',
  // Left as an import from node_modules: open runs the xdg-open script that ships beside its module.
  external: ['open'],
  logLevel: 'warning',
});
