#!/usr/bin/env node
/**
 * Electronegativity (Doyensec's Electron security linter) over the BUILT app,
 * failing on any finding that is not listed, with a reason, in
 * docs/electronegativity-accepted.json.
 *
 *   npm run build && node scripts/electronegativity.mjs [--keep]
 *
 * What is scanned: a staging copy of package.json + dist/main, dist/preload,
 * dist/renderer (the JS/HTML that ships; no maps, no .d.ts). Built JS rather
 * than the TypeScript sources because electronegativity 1.x parses TypeScript
 * with typescript-estree 4.x, which predates syntax this code base uses.
 * The AvailableSecurityFixesGlobalCheck is skipped: it downloads Electron's
 * release list from the network (Electron upgrades are tracked separately).
 *
 * Accepted-findings file: an array of
 *   { "id": "PRELOAD_JS_CHECK", "file": "dist/main/electron/*.js", "reason": "..." }
 * `file` is an optional glob (minimatch, relative to the repo root); `reason`
 * is mandatory (>= 20 chars). Entries that no longer match anything are
 * reported as stale (not an error) so the list stays honest.
 *
 * Exit codes: 0 clean, 1 unaccepted findings, 2 tool missing or failed.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(ROOT, 'package.json'));
const ACCEPTED_FILE = path.join(ROOT, 'docs', 'electronegativity-accepted.json');
const SKIPPED_CHECKS = ['AvailableSecurityFixesGlobalCheck'];
const keep = process.argv.includes('--keep');

function fail(code, message) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

let cli;
try {
  const pkgJson = require.resolve('@doyensec/electronegativity/package.json');
  const pkg = JSON.parse(readFileSync(pkgJson, 'utf8'));
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.electronegativity;
  cli = path.join(path.dirname(pkgJson), bin ?? 'dist/index.js');
} catch {
  fail(
    2,
    [
      'electronegativity is not installed.',
      'Add to package.json devDependencies:   "@doyensec/electronegativity": "^1.10.3",',
      'then `npm install` and re-run: node scripts/electronegativity.mjs',
    ].join('\n'),
  );
}

for (const p of ['dist/main/electron/main.js', 'dist/preload/preload.bundle.js', 'dist/renderer/index.html']) {
  if (!existsSync(path.join(ROOT, p))) fail(2, `${p} is missing: run \`npm run build\` first.`);
}

// Accepted findings: validated before anything runs.
const accepted = JSON.parse(readFileSync(ACCEPTED_FILE, 'utf8'));
if (!Array.isArray(accepted)) fail(2, `${ACCEPTED_FILE} must be a JSON array`);
for (const [i, a] of accepted.entries()) {
  if (typeof a?.id !== 'string' || a.id === '') fail(2, `accepted[${i}]: "id" is required`);
  if (a.file !== undefined && typeof a.file !== 'string') fail(2, `accepted[${i}]: "file" must be a glob string`);
  if (typeof a.reason !== 'string' || a.reason.trim().length < 20) fail(2, `accepted[${i}] (${a.id}): a real "reason" (>= 20 characters) is required`);
}
const { minimatch } = require('minimatch');

// Stage exactly what ships.
const stage = mkdtempSync(path.join(os.tmpdir(), 'rt-electronegativity-'));
const skipFile = (src) => !/\.(map|d\.ts)$/.test(src) && !/tsbuildinfo/.test(src);
cpSync(path.join(ROOT, 'package.json'), path.join(stage, 'package.json'));
for (const dir of ['dist/main', 'dist/preload', 'dist/renderer']) {
  mkdirSync(path.join(stage, dir), { recursive: true });
  cpSync(path.join(ROOT, dir), path.join(stage, dir), { recursive: true, filter: skipFile });
}

let electronVersion = null;
try {
  electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
} catch {
  /* the scanner then reads the range from package.json */
}

const sarif = path.join(stage, 'electronegativity.sarif');
const args = [cli, '-i', stage, '-r', '-x', SKIPPED_CHECKS.join(','), '-o', sarif, '-v', 'false', ...(electronVersion ? ['-e', electronVersion] : [])];
const run = spawnSync(process.execPath, args, { cwd: stage, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
if (run.status !== 0 || !existsSync(sarif)) {
  process.stderr.write(run.stdout ?? '');
  process.stderr.write(run.stderr ?? '');
  fail(2, `electronegativity failed (exit ${run.status}).`);
}

/** @type {{ id: string, file: string, line: number | null, message: string }[]} */
const findings = [];
const report = JSON.parse(readFileSync(sarif, 'utf8'));
for (const r of report.runs?.[0]?.results ?? []) {
  const loc = r.locations?.[0]?.physicalLocation;
  let file = loc?.artifactLocation?.uri ?? '';
  file = file.replace(/^file:\/\//, '');
  if (path.isAbsolute(file)) file = path.relative(stage, file);
  findings.push({
    id: String(r.ruleId ?? 'UNKNOWN'),
    file: file.split(path.sep).join('/'),
    line: loc?.region?.startLine ?? null,
    message: r.message?.text ?? '',
  });
}

const matches = (a, f) => a.id === f.id && (a.file === undefined || minimatch(f.file, a.file, { dot: true }));
const unaccepted = findings.filter((f) => !accepted.some((a) => matches(a, f)));
const stale = accepted.filter((a) => !findings.some((f) => matches(a, f)));

process.stdout.write(`electronegativity: ${findings.length} finding(s), ${findings.length - unaccepted.length} accepted, ${unaccepted.length} not accepted.\n`);
for (const a of stale) process.stdout.write(`  stale acceptance (matches nothing now; remove it?): ${a.id}${a.file ? ` ${a.file}` : ''}\n`);
if (unaccepted.length > 0) {
  process.stdout.write('\nNot accepted (fix them, or add an entry with a reason to docs/electronegativity-accepted.json):\n');
  for (const f of unaccepted) process.stdout.write(`  ${f.id}  ${f.file}${f.line ? `:${f.line}` : ''}  ${f.message}\n`);
  process.stdout.write('\nTemplate entries:\n');
  process.stdout.write(
    `${JSON.stringify(
      unaccepted.map((f) => ({ id: f.id, file: f.file, reason: 'TODO: why this is safe here' })),
      null,
      2,
    )}\n`,
  );
}
if (keep) process.stdout.write(`staging dir and SARIF kept at ${stage}\n`);
else rmSync(stage, { recursive: true, force: true });
process.exit(unaccepted.length > 0 ? 1 : 0);
