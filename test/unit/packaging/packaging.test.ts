/**
 * What ships: the asar's contents computed from electron-builder.yml by
 * electron-builder's own matchers over the built tree (dist/, so run
 * `npm run build` first) and the production dependency tree, then checked:
 * no sources, tests, fixtures, keys or source maps, no devDependency, every
 * native addon unpacked; the config validates against electron-builder's
 * schema and its fuses map to the real @electron/fuses wire.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  appFiles,
  asarUnpackFilter,
  dependencyFiles,
  electronBuilderFuseWire,
  loadBuilderConfig,
  productionDependencies,
  ROOT,
  validateWithElectronBuilderSchema,
  type BuilderConfig,
  type PackagedFile,
  type ProductionDependency,
} from './asar-contents';

interface PackageJson {
  readonly main: string;
  readonly dependencies: Record<string, string>;
  readonly devDependencies: Record<string, string>;
}
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as PackageJson;

/** Tools that must never be in the package, whatever the dependency graph says. */
const NEVER_SHIPPED = [
  'electron',
  'electron-builder',
  'app-builder-lib',
  'vite',
  'vitest',
  'playwright',
  'playwright-core',
  '@playwright/test',
  'typescript',
  'esbuild',
  'tsx',
  'fast-check',
  '@vitejs/plugin-react',
  '@axe-core/playwright',
  '@electron/rebuild',
  '@electron/fuses',
];
/** Native addons and where their binary lives (usb 3 is napi-rs: the binary is a per-platform @node-usb/* package). */
const NATIVE_ADDONS: readonly [string, RegExp][] = [
  ['better-sqlite3', /^better-sqlite3$/],
  ['@serialport/bindings-cpp', /^@serialport\/bindings-cpp$/],
  ['argon2', /^argon2$/],
  ['usb', /^@node-usb\/usb-/],
];

/** A whole PEM private-key block (header, base64 body, footer): code that merely mentions the header is fine. */
// One base64 line per repetition, each ending in a newline: linear to match. (An earlier
// `(?:[A-Za-z0-9+/=]{16,}\s*){3,}` backtracked exponentially whenever a key's last line
// was shorter than 16 characters, and hung the test run at random.)
const PEM_PRIVATE_KEY_BLOCK =
  /-----BEGIN ((RSA|EC|DSA|ENCRYPTED|OPENSSH) )?PRIVATE KEY-----\r?\n(?:[A-Za-z-]+: [^\r\n]*\r?\n)*(?:\r?\n)?(?:[A-Za-z0-9+/=]+\r?\n){3,}-----END/;

describe('packaging: asar contents from electron-builder.yml', () => {
  let config: BuilderConfig;
  let app: PackagedFile[];
  let deps: ProductionDependency[];
  let depFiles: PackagedFile[];
  let all: PackagedFile[];

  beforeAll(() => {
    expect(existsSync(path.join(ROOT, 'dist', 'main', 'electron', 'main.js')), 'run `npm run build` first').toBe(true);
    expect(existsSync(path.join(ROOT, 'dist', 'renderer', 'index.html')), 'run `npm run build` first').toBe(true);
    config = loadBuilderConfig();
    app = appFiles(config);
    deps = productionDependencies();
    depFiles = dependencyFiles(config, deps);
    all = [...app, ...depFiles];
  });

  it('contains the entry point, the preload bundle, the renderer and package.json', () => {
    const paths = new Set(app.map((f) => f.asarPath));
    expect(paths).toContain('package.json');
    expect(paths).toContain(pkg.main);
    expect(paths).toContain('dist/preload/preload.bundle.js');
    expect(paths).toContain('dist/renderer/index.html');
    expect([...paths].some((p) => /^dist\/renderer\/assets\/.+\.js$/.test(p))).toBe(true);
    // Every app file comes from the build output (plus package.json and the udev rule).
    for (const p of paths) expect(p, p).toMatch(/^(package\.json$|dist\/(main|native-bridge|preload|renderer)\/|resources\/udev\/)/);
  });

  it('ships no sources: no TypeScript (nor .d.ts), no C/C++ or gyp files', () => {
    const offenders = all
      .filter((f) => /\.(ts|tsx|mts|cts)$/.test(f.asarPath) || /\.(c|cc|cpp|cxx|h|hh|hpp|gyp|gypi)$/.test(f.asarPath))
      .map((f) => f.asarPath);
    expect(offenders).toEqual([]);
  });

  it('ships no tests, fixtures, benchmarks or test binaries', () => {
    const offenders = all
      .map((f) => f.asarPath)
      .filter(
        (p) =>
          /(^|\/)(test|tests|__tests__|__mocks__|fixtures|spec|specs|benchmark|benchmarks|e2e)\//.test(p) ||
          /\.(test|spec|bench)\.[cm]?js$/.test(p) ||
          /(^|\/)test_[^/]*\.node$/.test(p),
      );
    expect(offenders).toEqual([]);
    expect(app.some((f) => f.asarPath.startsWith('test/'))).toBe(false);
  });

  it('ships no keys or certificates, and no file holds a PEM private key', () => {
    const byName = all.filter(
      (f) => /\.(pem|key|p8|p12|pfx|der|crt|cer|jks|keystore)$/i.test(f.asarPath) || /(^|\/)(id_rsa|id_ed25519|\.env)[^/]*$/.test(f.asarPath),
    );
    expect(byName.map((f) => f.asarPath)).toEqual([]);
    // (a file may vanish if someone rebuilds dist/ meanwhile: only existing files are read)
    const withKey = all.filter((f) => f.stat.size < 2_000_000 && existsSync(f.source) && PEM_PRIVATE_KEY_BLOCK.test(readFileSync(f.source, 'latin1')));
    expect(withKey.map((f) => f.asarPath)).toEqual([]);
    // The detector is not vacuous: it recognises a real key.
    for (let i = 0; i < 20; i++) {
      const { privateKey } = generateKeyPairSync('rsa', {
        modulusLength: 1024,
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      });
      expect(PEM_PRIVATE_KEY_BLOCK.test(privateKey)).toBe(true);
    }
    // A last line of a few characters (where the old pattern hung) still matches, at once.
    expect(
      PEM_PRIVATE_KEY_BLOCK.test(
        `-----BEGIN PRIVATE KEY-----\n${'QUJD'.repeat(16)}\n${'QUJD'.repeat(16)}\n${'QUJD'.repeat(16)}\nQUI=\n-----END PRIVATE KEY-----\n`,
      ),
    ).toBe(true);
  });

  it('ships no source maps and no build metadata', () => {
    expect(all.filter((f) => /\.map$/.test(f.asarPath)).map((f) => f.asarPath)).toEqual([]);
    expect(all.filter((f) => /tsbuildinfo|(^|\/)dist\/types-/.test(f.asarPath)).map((f) => f.asarPath)).toEqual([]);
  });

  it('ships production dependencies only: no devDependency and no build tool', () => {
    const shippedModules = new Set(depFiles.map((f) => f.moduleName));
    const prodNames = new Set(deps.map((d) => d.name));
    for (const name of NEVER_SHIPPED) {
      expect(pkg.dependencies[name], `${name} must not be a production dependency`).toBeUndefined();
      expect(shippedModules.has(name), `${name} is in the package`).toBe(false);
    }
    // A devDependency may only ship if the production graph itself needs it (e.g. a shared transitive dependency).
    for (const name of Object.keys(pkg.devDependencies)) {
      if (shippedModules.has(name)) expect(prodNames.has(name), `${name} ships but is dev-only`).toBe(true);
    }
    // Every declared production dependency is there.
    for (const name of Object.keys(pkg.dependencies)) expect(shippedModules.has(name), `${name} is missing`).toBe(true);
  });

  it('unpacks every native addon (.node) of the production dependencies via asarUnpack', () => {
    const unpack = asarUnpackFilter(config);
    expect(unpack, 'asarUnpack is set').not.toBeNull();
    const natives = all.filter((f) => f.asarPath.endsWith('.node'));
    expect(natives.length).toBeGreaterThan(0);
    const packed = natives.filter((f) => !(unpack?.(f.source, f.stat) ?? false)).map((f) => f.asarPath);
    expect(packed).toEqual([]);
    // Each known addon really ships a binary for this platform (the build did not filter it away).
    for (const [name, holder] of NATIVE_ADDONS) {
      const own = natives.filter((f) => f.moduleName !== null && holder.test(f.moduleName));
      expect(own.length, `${name} ships no .node file`).toBeGreaterThan(0);
    }
  });

  it('keeps the asar on (it is what the onlyLoadAppFromAsar and integrity fuses protect)', () => {
    expect(config.asar === undefined || config.asar === true || typeof config.asar === 'object').toBe(true);
  });
});

describe('packaging: electron-builder.yml is valid and sets every fuse', () => {
  const config = loadBuilderConfig();

  it("validates against electron-builder's own JSON schema (a misspelt key is an error)", async () => {
    await expect(validateWithElectronBuilderSchema(config)).resolves.toBeUndefined();
    // The schema really is strict about fuse names: a typo is refused, so the check above means something.
    const typo: BuilderConfig = { ...config, electronFuses: { ...(config.electronFuses ?? {}), runAsNod: false } };
    await expect(validateWithElectronBuilderSchema(typo)).rejects.toThrow(/electronFuses/);
  });

  it('sets the hardening fuses to the safe value', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
  });

  it("maps them through electron-builder's generateFuseConfig onto the real @electron/fuses options", async () => {
    const { wire, options } = await electronBuilderFuseWire(config);
    const expected: [string, boolean][] = [
      ['RunAsNode', false],
      ['EnableNodeOptionsEnvironmentVariable', false],
      ['EnableNodeCliInspectArguments', false],
      ['EnableCookieEncryption', true],
      ['EnableEmbeddedAsarIntegrityValidation', true],
      ['OnlyLoadAppFromAsar', true],
    ];
    for (const [fuse, value] of expected) {
      const index = options[fuse];
      expect(index, `@electron/fuses has no ${fuse}`).toBeTypeOf('number');
      expect(wire[String(index)], fuse).toBe(value);
    }
  });

  it('does not take file:// privileges away while main.ts still loads the renderer from file:// as ES modules', () => {
    const mainSource = readFileSync(path.join(ROOT, 'main', 'electron', 'main.ts'), 'utf8');
    const html = readFileSync(path.join(ROOT, 'dist', 'renderer', 'index.html'), 'utf8');
    const loadsFromFile = /\.loadFile\(|pathToFileURL\(/.test(mainSource);
    const usesModuleScripts = /<script[^>]+type="module"/.test(html);
    if (loadsFromFile && usesModuleScripts) expect(config.electronFuses?.grantFileProtocolExtraPrivileges).not.toBe(false);
  });

  it('ships the files extraResources points at (the deb post-install needs the udev rule)', () => {
    const missing = (config.extraResources ?? []).map((r) => (typeof r === 'string' ? r : r.from)).filter((from) => !existsSync(path.join(ROOT, from)));
    expect(missing).toEqual([]);
  });

  it('resources/udev/99-antom-terminal.rules exists (referenced by after-install.sh and port-errors.ts)', () => {
    expect(existsSync(path.join(ROOT, 'resources', 'udev', '99-antom-terminal.rules'))).toBe(true);
  });
});
