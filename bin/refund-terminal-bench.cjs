#!/usr/bin/env node
// Entry of `npm run bench [-- --quick]`: runs bench/run.ts through tsx (no build step for the
// services; the browser part needs `npm run build` and says so when dist/ is missing).
'use strict';
const path = require('node:path');

require('tsx/cjs');
require(path.join(__dirname, '..', 'bench', 'run.ts')).runCli();
