import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../../..');
const src = path.join(root, 'renderer/src');
const ALLOWED_PACKAGES = new Set(['react', 'react-dom', 'react-dom/client', 'react/jsx-runtime', 'zustand', 'i18next', 'react-i18next', 'zod']);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const full = path.join(dir, n);
    return statSync(full).isDirectory() ? files(full) : /\.(ts|tsx)$/.test(n) ? [full] : [];
  });
}

describe('renderer import boundaries', () => {
  it('imports only renderer/, preload/contract/ and the UI packages; no Node built-ins', () => {
    const bad: string[] = [];
    for (const file of files(src)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g)) {
        const spec = m[1] ?? m[2] ?? m[3] ?? '';
        const rel = path.relative(root, file);
        if (spec.startsWith('.')) {
          const target = path.relative(root, path.resolve(path.dirname(file), spec));
          if (!target.startsWith('renderer' + path.sep) && !target.startsWith(path.join('preload', 'contract') + path.sep)) bad.push(`${rel}: ${spec}`);
        } else if (spec.startsWith('node:') || !ALLOWED_PACKAGES.has(spec)) {
          bad.push(`${rel}: ${spec}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('uses no `any`, eval or inline HTML injection', () => {
    const bad: string[] = [];
    for (const file of files(src)) {
      const text = readFileSync(file, 'utf8');
      if (/:\s*any\b|as any\b|<any>/.test(text)) bad.push(`${file}: any`);
      if (/\beval\(|new Function\(|dangerouslySetInnerHTML|innerHTML/.test(text)) bad.push(`${file}: unsafe`);
      if (/https?:\/\//.test(text)) bad.push(`${file}: remote URL`);
    }
    expect(bad).toEqual([]);
  });

  it('index.html has no inline script or style and no remote URL', () => {
    const html = readFileSync(path.join(root, 'renderer/index.html'), 'utf8');
    expect(html).not.toMatch(/<style/i);
    expect(html).not.toMatch(/https?:\/\//);
    for (const m of html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/gi)) {
      expect(m[1]).toMatch(/src=/);
      expect((m[2] ?? '').trim()).toBe('');
    }
  });
});
