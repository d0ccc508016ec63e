#!/usr/bin/env node
// The CLI is TypeScript; it runs right after `npm install`, compiled on first use (see load-cli.js).
import { loadCli } from './load-cli.js';

const { main } = await loadCli();
const code = await main(process.argv.slice(2));
process.stdout.write('', () => process.exit(code));
