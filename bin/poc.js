#!/usr/bin/env node
// The CLI is written in TypeScript and built to dist/ by `npm install` (prepare).
import module from 'node:module';

// Node 22.1 and later keep V8's compiled code between runs (most of poc's start-up is
// compiling the AWS SDK); Node 20 has no such cache and skips this.
module.enableCompileCache?.();

import('../dist/cli/cli.js').then(async ({ main, interrupted }) => {
  process.exitCode = await main(process.argv);
  if (interrupted()) {
    // After a Ctrl-C another copy may still be on its way (npx forwards the terminal's). A
    // natural exit closes Node's signal handles first and tears down for a while with
    // SIGINT's default action back, so that copy would kill poc by signal instead of letting
    // it exit with its code. So: flush what was printed, then exit at once.
    await Promise.all([process.stdout, process.stderr].map((s) => new Promise((resolve) => s.write('', resolve))));
    process.exit();
  }
}, (error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli/cli.js')) {
    process.stderr.write('poc is not built yet: run `npm install` (or `npm run build`) in the poc folder.\n');
    process.exit(1);
  }
  throw error;
});
