/**
 * No source file over 500 lines outside tests: a file that long does more
 * than one job, and the next change to it is a review of all of them. Split by
 * job, not by cutting in half. The allowlist is for a split already under way.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const MAX_LINES = 500;
/** Being split by another branch now; the lead removes the entry when that lands (a stale entry fails below). */
const ALLOWED: readonly string[] = [];

const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
/** Not sources: tests, dependencies, build output, reports, dot-folders (.git, .ci). */
const SKIP_DIRS = new Set(['test', 'node_modules', 'dist', 'out', 'test-results', 'playwright-report']);

function sourceFiles(dir = ''): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((name) => {
    const rel = dir ? `${dir}/${name}` : name;
    if (name.startsWith('.') || SKIP_DIRS.has(name)) return [];
    if (rel === 'renderer/dist' || rel === 'bench/out') return [];
    if (statSync(path.join(ROOT, rel)).isDirectory()) return sourceFiles(rel);
    return SOURCE.test(name) && !/\.test\.[a-z]+$/.test(name) && !name.endsWith('.d.ts') ? [rel] : [];
  });
}

function lineCount(text: string): number {
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

function overLimit(files: readonly string[]): { file: string; lines: number }[] {
  return files.map((file) => ({ file, lines: lineCount(readFileSync(path.join(ROOT, file), 'utf8')) })).filter((f) => f.lines > MAX_LINES);
}

describe('source file size', () => {
  it('counts lines as wc -l does, and the walk sees the product folders (guards the guard)', () => {
    expect(lineCount('')).toBe(0);
    expect(lineCount('a\n')).toBe(1);
    expect(lineCount('a\nb')).toBe(2);
    expect(lineCount(`${'x\n'.repeat(MAX_LINES + 1)}`)).toBe(MAX_LINES + 1);
    const files = sourceFiles();
    for (const f of ['main/services/app-services.ts', 'native-bridge/host/terminal-link.ts', 'renderer/src/main.tsx', 'bench/run.ts', 'eslint.config.mjs']) {
      expect(files, f).toContain(f);
    }
    expect(files.some((f) => f.startsWith('test/') || f.includes('node_modules/'))).toBe(false);
  });

  it(`no non-test source file is over ${MAX_LINES} lines`, () => {
    const offenders = overLimit(sourceFiles()).filter((f) => !ALLOWED.includes(f.file));
    expect(offenders.map((f) => `${f.file}: ${f.lines} lines (split it by job)`)).toEqual([]);
  });

  it('every allowlisted file still needs its exception (remove an entry once its split lands)', () => {
    const stale = ALLOWED.filter((file) => !existsSync(path.join(ROOT, file)) || overLimit([file]).length === 0);
    expect(stale).toEqual([]);
  });
});
