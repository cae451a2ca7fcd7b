#!/usr/bin/env node
// `npm run demo:store`: demo store mode on one machine (main/demo/store-demo.ts). DEMO: no real money.
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const root = path.join(__dirname, '..');
const entry = path.join(root, 'dist', 'main', 'demo', 'store-demo.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('Not built yet: run `npm run build` first (npm run demo:store does).\n');
  process.exit(1);
}
const verbose = process.argv.includes('--verbose');
const { startStoreDemo } = require(entry);

process.stdout.write('DEMO store mode: starting a throwaway PostgreSQL, two counters and the Antom sandbox (no real money)…\n');
startStoreDemo({
  cli: path.join(root, 'bin', 'refund-terminal.cjs'),
  onOutput: verbose ? (name, line) => process.stdout.write(`[${name}] ${line}\n`) : undefined,
}).then(
  (demo) => {
    const lines = [
      '',
      '=== DEMO STORE MODE — no real money ===',
      ...demo.counters.map((c) => `${c.register}: ${c.url}`),
      `store ledger (PostgreSQL, deleted on exit): ${demo.storeUrl}`,
      `Antom sandbox: ${demo.sandboxOrigin}   notifyRefund -> store serve at ${demo.notifyUrl}`,
      'Sign in at both counters (cashier alice 1470, manager maria 246813): a refund that needs a manager at one',
      "counter appears at once on the other's manager screen and can be decided there. Ctrl+C stops and deletes everything.",
      '',
    ];
    process.stdout.write(lines.join('\n') + '\n');
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      process.stdout.write('Stopping the demo store…\n');
      demo.close().then(
        () => process.exit(0),
        (e) => {
          process.stderr.write(`${e && e.message ? e.message : e}\n`);
          process.exit(1);
        },
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  },
  (e) => {
    process.stderr.write(`Demo store mode could not start: ${e && e.message ? e.message : e}\n`);
    process.exit(1);
  },
);
