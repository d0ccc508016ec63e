#!/usr/bin/env node
// The CLI is TypeScript; tsx compiles it on the fly so it works right after `npm install`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
process.stdout.write('', () => process.exit(code));
