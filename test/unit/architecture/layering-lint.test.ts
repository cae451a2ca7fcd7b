/**
 * The dependency direction is enforced by ESLint (import-x/no-restricted-paths in
 * eslint.config.mjs), which `npm test` runs with zero warnings allowed. This test
 * proves the rule bites: each forbidden arrow, written into a file of the layer
 * it would break, is reported; each allowed arrow is not. If someone loosens the
 * zones, these fail.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const eslint = new ESLint({ cwd: ROOT });

async function layeringErrors(file: string, importLine: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${importLine}\nexport const used = x;\n`, { filePath: path.join(ROOT, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'import-x/no-restricted-paths').map((m) => m.message);
}

describe('layering rule (ESLint, run by npm test)', () => {
  it.each([
    ['native-bridge/host/x.ts', "import { x } from '../../main/refunds/ports';"],
    ['native-bridge/x.ts', "import { x } from '../renderer/src/App';"],
    ['preload/contract/x.ts', "import { x } from '../../main/ledger/ledger';"],
    ['preload/contract/x.ts', "import { x } from '../../native-bridge/index';"],
    ['renderer/src/x.ts', "import { x } from '../../main/host/browser-host';"],
    ['renderer/src/x.ts', "import { x } from '../../native-bridge/index';"],
    ['renderer/vite.config.ts', "import { x } from '../main/config/app-config';"],
    ['main/services/x.ts', "import { x } from '../../renderer/src/App';"],
    ['main/services/x.ts', "import { x } from '../../test/helpers/prng';"],
    ['main/refunds/x.ts', "import { x } from '../../native-bridge/testing';"],
    ['native-bridge/host/x.ts', "import { x } from '../testing/index';"],
  ])('%s may not %s', async (file, line) => {
    expect(await layeringErrors(file, line)).not.toEqual([]);
  });

  it.each([
    ['native-bridge/host/x.ts', "import { x } from '../../preload/contract/result';"],
    ['main/services/x.ts', "import { x } from '../../native-bridge/index';"],
    ['main/services/x.ts', "import { x } from '../../preload/contract/money';"],
    ['renderer/src/x.ts', "import { x } from '../../preload/contract/api';"],
    ['test/unit/x.test.ts', "import { x } from '../../main/ledger/ledger';"],
    ['main/demo/x.ts', "import { x } from '../../native-bridge/testing';"],
  ])('%s may %s', async (file, line) => {
    expect(await layeringErrors(file, line)).toEqual([]);
  });
});
