/**
 * Layering rules, enforced on the source text so they fail the build:
 *  - renderer code never imports main/, native-bridge/ or a Node built-in;
 *  - main/ and native-bridge/ never import renderer code;
 *  - only main/electron/ and preload/preload.ts may import `electron`
 *    (services must run in plain Node, where require('electron') throws);
 *  - preload/contract/ is pure (no Node built-ins, no electron), so both sides can share it.
 */
import { builtinModules } from 'node:module';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

function sourceFiles(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  let entries: string[];
  try {
    entries = readdirSync(abs);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const rel = path.join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    if (statSync(path.join(ROOT, rel)).isDirectory()) return sourceFiles(rel);
    return /\.(ts|tsx|mts|cts)$/.test(name) ? [rel] : [];
  });
}

/** Every module specifier in import/export-from/require/dynamic import. */
export function importsOf(source: string): string[] {
  const specs: string[] = [];
  const patterns = [
    /\bfrom\s+['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /^\s*import\s+['"]([^'"]+)['"]/gm,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) specs.push(m[1] as string);
  return specs;
}

function resolvesInto(file: string, spec: string, folder: string): boolean {
  if (!spec.startsWith('.')) return false;
  const target = path.relative(ROOT, path.resolve(ROOT, path.dirname(file), spec));
  return target === folder || target.startsWith(folder + path.sep);
}

describe('layer boundaries', () => {
  it('the import scanner sees every import form (guards the guard)', () => {
    const specs = importsOf(
      `import a from 'x1';\nimport type { B } from "x2";\nexport { c } from 'x3';\nconst d = require('x4');\nawait import('x5');\nimport 'x6';`,
    );
    expect(specs.sort()).toEqual(['x1', 'x2', 'x3', 'x4', 'x5', 'x6']);
  });

  it('renderer imports no main/, native-bridge/ or Node built-in', () => {
    // renderer/src is what ships to the page; renderer/vite.config.ts is build tooling run by Node.
    const files = sourceFiles(path.join('renderer', 'src'));
    expect(files.length).toBeGreaterThan(0);
    const offences: string[] = [];
    for (const file of files) {
      for (const spec of importsOf(readFileSync(path.join(ROOT, file), 'utf8'))) {
        if (NODE_BUILTINS.has(spec) || spec === 'electron' || resolvesInto(file, spec, 'main') || resolvesInto(file, spec, 'native-bridge')) {
          offences.push(`${file}: ${spec}`);
        }
      }
    }
    expect(offences).toEqual([]);
  });

  it('main/ and native-bridge/ import no renderer code', () => {
    const offences = [...sourceFiles('main'), ...sourceFiles('native-bridge')].flatMap((file) =>
      importsOf(readFileSync(path.join(ROOT, file), 'utf8'))
        .filter((spec) => resolvesInto(file, spec, 'renderer'))
        .map((spec) => `${file}: ${spec}`),
    );
    expect(offences).toEqual([]);
  });

  it('only the Electron glue imports electron', () => {
    const offences = [...sourceFiles('main'), ...sourceFiles('native-bridge'), ...sourceFiles('preload')]
      .filter((file) => !file.startsWith(path.join('main', 'electron')) && file !== path.join('preload', 'preload.ts'))
      .flatMap((file) =>
        importsOf(readFileSync(path.join(ROOT, file), 'utf8'))
          .filter((spec) => spec === 'electron' || spec.startsWith('electron/'))
          .map((spec) => `${file}: ${spec}`),
      );
    expect(offences).toEqual([]);
  });

  it('the shared contract is pure', () => {
    const offences = sourceFiles(path.join('preload', 'contract')).flatMap((file) =>
      importsOf(readFileSync(path.join(ROOT, file), 'utf8'))
        .filter((spec) => NODE_BUILTINS.has(spec) || spec === 'electron' || resolvesInto(file, spec, 'main') || resolvesInto(file, spec, 'native-bridge'))
        .map((spec) => `${file}: ${spec}`),
    );
    expect(offences).toEqual([]);
  });
});
