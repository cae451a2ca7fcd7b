// A sandboxed Electron preload cannot require local files: bundle it (and the
// contract it imports) into one CommonJS file, with `electron` left external.
import { build } from 'esbuild';

await build({
  entryPoints: ['preload/preload.ts'],
  outfile: 'dist/preload/preload.bundle.js',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['electron'],
  sourcemap: true,
  logLevel: 'warning',
});
