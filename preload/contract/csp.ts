/**
 * The one Content-Security-Policy of the renderer, applied by Electron's
 * session (response headers) and by the browser host. No inline script, no
 * eval, no remote origin of any kind: everything the UI needs ships with it.
 * renderer/index.html carries the same policy in a meta tag (kept equal by a test).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');
