// Lint: typescript-eslint + react-hooks, and the one-direction layering rule
// (import-x/no-restricted-paths). Formatting is Prettier's job (eslint-config-prettier
// turns off the rules that would fight it). Run by `npm run lint` inside `npm test`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import importX from 'eslint-plugin-import-x';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

/**
 * The dependency direction, enforced (see README "Layers"):
 *   preload/contract (the shared kernel) imports nothing else of the project;
 *   native-bridge imports only the kernel;
 *   main imports the kernel and native-bridge;
 *   renderer imports only the kernel;
 *   preload (the bridge script) imports only the kernel.
 * Tests, bench and scripts may import anything.
 */
const layers = [
  {
    target: './preload/contract',
    from: ['./main', './native-bridge', './renderer', './preload/preload.ts', './test', './bench'],
    message: 'The shared kernel (preload/contract) imports nothing else of the project.',
  },
  {
    target: './native-bridge',
    from: ['./main', './renderer', './preload/preload.ts', './test', './bench'],
    message: 'native-bridge imports only the shared kernel (preload/contract).',
  },
  {
    target: './main',
    from: ['./renderer', './preload/preload.ts', './test', './bench'],
    message: 'main imports only the kernel (preload/contract) and native-bridge.',
  },
  {
    target: './renderer',
    from: ['./main', './native-bridge', './preload/preload.ts', './test', './bench'],
    message: 'The renderer imports only the shared kernel (preload/contract).',
  },
  {
    // Test doubles (virtual terminal, fake transports, record/replay) are for the demo, the simulator command and tests only.
    target: [
      './main/antom',
      './main/config',
      './main/electron',
      './main/features',
      './main/host',
      './main/ledger',
      './main/refunds',
      './main/secrets',
      './main/services',
      './main/terminal',
      './native-bridge/host',
      './native-bridge/link',
      './native-bridge/messages',
      './native-bridge/protocol',
      './native-bridge/session',
      './native-bridge/discovery',
    ],
    from: ['./native-bridge/testing'],
    message: 'native-bridge/testing holds test doubles; product code uses native-bridge/index.ts.',
  },
  {
    target: './preload/preload.ts',
    from: ['./main', './native-bridge', './renderer', './test', './bench'],
    message: 'The preload script imports only the shared kernel.',
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'bench/out/**', '**/*.cjs', 'renderer/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,mjs}'],
    languageOptions: { globals: { ...globals.node } },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver': { node: { extensions: ['.ts', '.tsx', '.js', '.mjs'] } } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: layers }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    // The two classic hook rules; the React Compiler rules of v7 judge code written for no compiler.
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  {
    // Tests stub Electron and Node internals; the boundary rule for `any` is about product code.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Playwright reads a test's fixtures from its first parameter's destructuring: `({}, testInfo)` is its idiom.
    files: ['test/e2e/**/*.ts'],
    rules: { 'no-empty-pattern': 'off' },
  },
  prettier,
);
