#!/usr/bin/env node
// Node 24 runs the TypeScript sources directly (type stripping); no build step.
import { main } from '../src/main.ts';

main(process.argv.slice(2)).catch((err) => {
  console.error(err?.name === 'AppError' ? `vouch: ${err.message}` : err);
  process.exit(1);
});
