#!/usr/bin/env node
// The CLI is written in TypeScript and built to dist/ by `npm install` (prepare).
import module from 'node:module';

// Node 22.1 and later keep V8's compiled code between runs (most of poc's start-up is
// compiling the AWS SDK); Node 20 has no such cache and skips this.
module.enableCompileCache?.();

import('../dist/cli/cli.js').then(async ({ main }) => {
  process.exitCode = await main(process.argv);
}, (error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli/cli.js')) {
    process.stderr.write('poc is not built yet: run `npm install` (or `npm run build`) in the poc folder.\n');
    process.exit(1);
  }
  throw error;
});
