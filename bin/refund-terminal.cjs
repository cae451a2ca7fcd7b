#!/usr/bin/env node
// Entry of the `refund-terminal` command. Runs the compiled CLI in dist/.
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const entry = path.join(__dirname, '..', 'dist', 'main', 'cli', 'index.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('refund-terminal is not built yet: run `npm run build` in ' + path.join(__dirname, '..') + '\n');
  process.exit(1);
}
// `refund-terminal journal | head`: a reader that stops early is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e && e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

require(entry)
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
    // A finished command must not linger on a handle it no longer uses (a paused
    // stdin pipe after a prompt, a serial port's close callback): give pending
    // output a moment, then leave. Long-running commands (start, serve, sim)
    // resolve only when they are told to stop.
    setTimeout(() => process.exit(code), 200).unref();
  });
