import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../../preload/contract/csp';
import { injectCspMeta, metaContentSecurityPolicy } from '../../../renderer/vite.config';

describe('CSP meta tag injected into renderer/index.html at build time', () => {
  it('is the main-process policy minus frame-ancestors', () => {
    const meta = metaContentSecurityPolicy(CONTENT_SECURITY_POLICY);
    expect(meta).not.toContain('frame-ancestors');
    const directives = CONTENT_SECURITY_POLICY.split(';')
      .map((d) => d.trim())
      .filter((d) => !d.startsWith('frame-ancestors'));
    expect(meta.split('; ')).toEqual(directives);
  });

  it('lands right after <meta charset>, before any script', () => {
    const html = injectCspMeta(readFileSync(path.resolve(__dirname, '../../../renderer/index.html'), 'utf8'), CONTENT_SECURITY_POLICY);
    const csp = html.indexOf('http-equiv="Content-Security-Policy"');
    expect(csp).toBeGreaterThan(html.indexOf('<meta charset'));
    expect(csp).toBeLessThan(html.indexOf('<script'));
    expect(html).toContain("script-src 'self'");
  });
});
