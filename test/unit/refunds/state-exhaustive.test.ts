/**
 * A state added to the state machine must not compile until the engine handles
 * it: the driver's step (advance), the recovery role, waitsOnTerminal, the
 * waiter's "settled" test and the background filter are exhaustive switches.
 * This type-checks the engine against a copy of the contract with one extra
 * state and expects an error inside each of them (and none without it), so
 * replacing any `assertNever` default by a catch-all fails this test.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../../..');
const CONTRACT = join(ROOT, 'preload/contract/refunds.ts');
const ENTRY = join(ROOT, 'main/refunds/refund-engine.ts');

/** Error diagnostics in main/refunds, each named `file:enclosing function`. */
function engineErrors(extraState: string | null): string[] {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.node.json'), (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const options = { ...parsed.options, noEmit: true, incremental: false, composite: false, tsBuildInfoFile: undefined };
  const host = ts.createCompilerHost(options);
  const original = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (extraState !== null && resolve(fileName) === CONTRACT) {
      const text = readFileSync(CONTRACT, 'utf8');
      const marker = 'export const RefundState = z.enum([';
      if (!text.includes(marker)) throw new Error('the RefundState enum moved; update this test');
      return ts.createSourceFile(fileName, text.replace(marker, `${marker}\n  '${extraState}',`), languageVersion, true);
    }
    return original(fileName, languageVersion, onError, shouldCreate);
  };
  const program = ts.createProgram([ENTRY], options, host);
  const out: string[] = [];
  for (const sf of program.getSourceFiles()) {
    if (!resolve(sf.fileName).startsWith(join(ROOT, 'main/refunds'))) continue;
    for (const d of program.getSemanticDiagnostics(sf)) {
      if (d.category !== ts.DiagnosticCategory.Error || d.start === undefined) continue;
      out.push(`${sf.fileName.split('/').pop()}:${enclosingFunction(sf, d.start)}`);
    }
  }
  return out;
}

function enclosingFunction(sf: ts.SourceFile, pos: number): string {
  let name = '?';
  const visit = (node: ts.Node): void => {
    if (pos < node.getStart(sf) || pos >= node.getEnd()) return;
    if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && node.name !== undefined) name = node.name.getText(sf);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return name;
}

describe('exhaustive handling of refund states', () => {
  it('the engine type-checks as it is', () => {
    expect(engineErrors(null)).toEqual([]);
  }, 120_000);

  it('a new state fails type-checking in the driver, recovery, waitsOnTerminal, the waiter and the background filter', () => {
    const errors = engineErrors('ON_HOLD');
    for (const where of [
      'driver.ts:advance',
      'state-roles.ts:recoveryRole',
      'state-roles.ts:waitsOnTerminal',
      'state-roles.ts:settledForWaiter',
      'state-roles.ts:backgroundShouldTake',
    ]) {
      expect(errors, where).toContain(where);
    }
  }, 120_000);
});
