import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { CONTENT_SECURITY_POLICY } from '../preload/contract/csp';

/** The CSP as a <meta> tag: frame-ancestors is ignored (and warned about) in meta, so it is left to the response headers. */
export function metaContentSecurityPolicy(policy: string): string {
  return policy
    .split(';')
    .map((d) => d.trim())
    .filter((d) => d !== '' && !d.startsWith('frame-ancestors'))
    .join('; ');
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/** Puts the CSP <meta> right after <meta charset>, before any script or stylesheet. */
export function injectCspMeta(html: string, policy: string): string {
  const charset = /<meta charset="utf-8"\s*\/?>/i;
  if (!charset.test(html)) throw new Error('renderer/index.html must start its <head> with <meta charset="utf-8" />');
  const tag = `<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(metaContentSecurityPolicy(policy))}" />`;
  return html.replace(charset, (m) => `${m}\n    ${tag}`);
}

function cspMeta(): Plugin {
  return {
    name: 'refund-terminal-csp-meta',
    transformIndexHtml: {
      order: 'pre',
      handler(html) {
        return injectCspMeta(html, CONTENT_SECURITY_POLICY);
      },
    },
  };
}

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [react(), cspMeta()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // No inline assets as data: URIs for scripts; images may inline (img-src allows data:).
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: { host: '127.0.0.1' },
});
