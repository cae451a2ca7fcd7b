/**
 * What `electron-builder --config electron-builder.yml` would put into the
 * asar, computed WITHOUT the Electron runtime by electron-builder's own code:
 * app-builder-lib's FileMatcher / getMainFileMatchers / getNodeModuleFileMatcher
 * (the exact minimatch options and default exclusions it applies), over the
 * built tree (dist/) plus the production dependency tree (`npm ls --omit=dev`),
 * with NodeModuleCopyHelper's fixed exclusions reproduced. asarUnpack is
 * evaluated with getFileMatchers(config, 'asarUnpack', ...) as the packager does.
 *
 * app-builder-lib marks some of these functions @internal (absent from its
 * .d.ts), so they are loaded with require and typed locally here.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
const req = createRequire(path.join(ROOT, 'package.json'));

type FilterStat = Stats & { moduleFullFilePath?: string; moduleRootPath?: string; moduleName?: string };
type Filter = (file: string, stat: FilterStat) => boolean;

interface FileMatcherLike {
  readonly from: string;
  readonly to: string;
  readonly patterns: string[];
  readonly macroExpander: (p: string) => string;
  createFilter(): Filter;
  isEmpty(): boolean;
}
interface FileMatcherModule {
  FileMatcher: new (from: string, to: string, macroExpander: (p: string) => string, patterns?: string[]) => FileMatcherLike;
  excludedNames: string;
  excludedExts: string;
  getMainFileMatchers(
    appDir: string,
    destination: string,
    macroExpander: (p: string) => string,
    platformSpecific: object,
    platformPackager: object,
    outDir: string,
    isElectronCompile: boolean,
  ): FileMatcherLike[];
  getNodeModuleFileMatcher(
    appDir: string,
    destination: string,
    macroExpander: (p: string) => string,
    platformSpecific: object,
    packager: object,
  ): FileMatcherLike;
  getFileMatchers(
    config: object,
    name: 'asarUnpack' | 'files' | 'extraResources',
    destination: string,
    options: { macroExpander: (p: string) => string; customBuildOptions: object; globalOutDir: string; defaultSrc: string },
  ): FileMatcherLike[] | null;
}

export interface BuilderConfig {
  readonly files?: (string | { from?: string; to?: string; filter?: string[] })[];
  readonly asarUnpack?: string[];
  readonly asar?: boolean | object;
  readonly extraResources?: ({ from: string; to: string } | string)[];
  readonly directories?: { output?: string; buildResources?: string };
  readonly electronFuses?: Record<string, boolean>;
  readonly linux?: object;
  readonly [key: string]: unknown;
}

export const fileMatcher = req('app-builder-lib/out/fileMatcher') as FileMatcherModule;
const { DebugLogger } = req('builder-util') as { DebugLogger: new (enabled: boolean) => object };
const yaml = req('js-yaml') as { load(text: string): unknown };

export function loadBuilderConfig(): BuilderConfig {
  return yaml.load(readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
}

export async function validateWithElectronBuilderSchema(config: BuilderConfig): Promise<void> {
  const { validateConfiguration } = req('app-builder-lib/out/util/config/config') as { validateConfiguration(c: object, logger: object): Promise<void> };
  // A deep copy: validation may normalise in place.
  await validateConfiguration(JSON.parse(JSON.stringify(config)) as object, new DebugLogger(false));
}

/** electron-builder's own translation of `electronFuses` into the @electron/fuses wire config. */
export async function electronBuilderFuseWire(config: BuilderConfig): Promise<{ wire: Record<string, unknown>; options: Record<string, number | string> }> {
  const { PlatformPackager } = req('app-builder-lib') as {
    PlatformPackager: { prototype: { generateFuseConfig(fuses: object): Promise<Record<string, unknown>> } };
  };
  const wire = await PlatformPackager.prototype.generateFuseConfig.call({}, config.electronFuses ?? {});
  const { FuseV1Options } = req('@electron/fuses') as { FuseV1Options: Record<string, number | string> };
  return { wire, options: FuseV1Options };
}

const identity = (p: string) => p;

function fakePackager(config: BuilderConfig): object {
  return {
    info: {
      projectDir: ROOT,
      buildResourcesDir: path.resolve(ROOT, config.directories?.buildResources ?? 'build'),
      isPrepackedAppAsar: false,
      config,
      debugLogger: new DebugLogger(false),
    },
    config,
    debugLogger: new DebugLogger(false),
  };
}

export interface PackagedFile {
  /** Absolute path on disk. */
  readonly source: string;
  /** Path inside the asar (relative, forward slashes). */
  readonly asarPath: string;
  /** Set for files of a dependency: its name, e.g. "better-sqlite3". */
  readonly moduleName: string | null;
  readonly stat: FilterStat;
}

/** Walks like builder-util's walk(): a directory the filter refuses is not entered. */
function walk(dir: string, filter: Filter, onFile: (file: string, stat: FilterStat) => void): void {
  for (const name of readdirSync(dir).sort()) {
    if (name === '.git' || name === 'node_modules') continue;
    const full = path.join(dir, name);
    const stat = lstatSync(full) as FilterStat;
    if (!filter(full, stat)) continue;
    if (stat.isDirectory()) walk(full, filter, onFile);
    else onFile(full, stat);
  }
}

/** The app's own files (from `files`), relative to the project root. */
export function appFiles(config: BuilderConfig): PackagedFile[] {
  const outDir = path.resolve(ROOT, config.directories?.output ?? 'dist');
  const matchers = fileMatcher.getMainFileMatchers(ROOT, '/asar', identity, config.linux ?? {}, fakePackager(config), outDir, false);
  const out: PackagedFile[] = [];
  for (const m of matchers) {
    if (!existsSync(m.from)) continue;
    const filter = m.createFilter();
    walk(m.from, filter, (file, stat) => {
      const rel = path.relative(m.from, file).split(path.sep).join('/');
      const to = path.relative('/asar', m.to).split(path.sep).join('/');
      out.push({ source: file, asarPath: to ? `${to}/${rel}` : rel, moduleName: null, stat });
    });
  }
  return out;
}

export interface ProductionDependency {
  readonly name: string;
  readonly dir: string;
  /** e.g. node_modules/a/node_modules/b */
  readonly relative: string;
}

/**
 * Production dependency directories, as electron-builder's npm collector sees
 * them: from package.json, `dependencies` + `optionalDependencies` of each
 * package (never peer or dev dependencies), each resolved on disk the way Node
 * resolves it (nearest node_modules up the tree). Optional ones that are not
 * installed (other platforms' binaries) are skipped.
 */
export function productionDependencies(): ProductionDependency[] {
  const found = new Map<string, ProductionDependency>();
  const readPkg = (dir: string) =>
    JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
  const resolveFrom = (fromDir: string, name: string): string | null => {
    for (let dir = fromDir; ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, 'node_modules', name);
      if (existsSync(path.join(candidate, 'package.json'))) return candidate;
      if (dir === ROOT || path.dirname(dir) === dir) return null;
    }
  };
  const visit = (fromDir: string, optional: ReadonlySet<string>, names: readonly string[]): void => {
    for (const name of names) {
      const dir = resolveFrom(fromDir, name);
      if (dir === null) {
        if (optional.has(name)) continue;
        throw new Error(`production dependency ${name} (needed by ${path.relative(ROOT, fromDir) || 'the app'}) is not installed`);
      }
      if (found.has(dir)) continue;
      const relative = path.relative(ROOT, dir).split(path.sep).join('/');
      found.set(dir, { name, dir, relative });
      const p = readPkg(dir);
      visit(dir, new Set(Object.keys(p.optionalDependencies ?? {})), [...Object.keys(p.dependencies ?? {}), ...Object.keys(p.optionalDependencies ?? {})]);
    }
  };
  const root = readPkg(ROOT);
  visit(ROOT, new Set(Object.keys(root.optionalDependencies ?? {})), [
    ...Object.keys(root.dependencies ?? {}),
    ...Object.keys(root.optionalDependencies ?? {}),
  ]);
  return [...found.values()].sort((a, b) => a.relative.localeCompare(b.relative));
}

// NodeModuleCopyHelper's fixed exclusions (app-builder-lib/out/util/NodeModuleCopyHelper.js).
const TOP_LEVEL_EXCLUDED = new Set([
  'karma.conf.js',
  '.coveralls.yml',
  'README.md',
  'readme.markdown',
  'README',
  'readme.md',
  'Readme.md',
  'Readme',
  'readme',
  'test',
  'tests',
  '__tests__',
  'powered-test',
  'example',
  'examples',
  '.bin',
]);

/** Files of the production dependencies that land in the asar (or next to it, when unpacked). */
export function dependencyFiles(config: BuilderConfig, deps: readonly ProductionDependency[]): PackagedFile[] {
  const nodeModuleMatcher = fileMatcher.getNodeModuleFileMatcher(ROOT, '/asar', identity, config.linux ?? {}, fakePackager(config));
  const excludedNames = new Set([
    '.DS_Store',
    'node_modules',
    'CHANGELOG.md',
    'ChangeLog',
    'changelog.md',
    'Changelog.md',
    'Changelog',
    'binding.gyp',
    '.npmignore',
    'node_gyp_bins',
    ...fileMatcher.excludedNames.split(','),
  ]);
  // Linux build: .dll/.exe are dropped too (getNodeModuleExcludedExts).
  const excludedExts = ['.o', '.obj', ...fileMatcher.excludedExts.split(',').map((e) => `.${e}`), '.pdb', '.dll', '.exe'];
  const out: PackagedFile[] = [];
  for (const dep of deps) {
    const matcher = new fileMatcher.FileMatcher(dep.dir, path.join('/asar', dep.relative), identity, nodeModuleMatcher.patterns);
    const filter = matcher.isEmpty() ? null : matcher.createFilter();
    const visit = (dir: string): void => {
      const isTopLevel = dir === dep.dir;
      for (const name of readdirSync(dir).sort()) {
        if (excludedNames.has(name) || name.startsWith('._')) continue;
        if (excludedExts.some((e) => name.endsWith(e))) continue;
        if (isTopLevel && TOP_LEVEL_EXCLUDED.has(name)) continue;
        if (
          dir.endsWith('build') &&
          (name === 'gyp-mac-tool' || name === 'Makefile' || name.endsWith('.mk') || name.endsWith('.gypi') || name.endsWith('.Makefile'))
        )
          continue;
        if (dir.endsWith('Release') && (name === '.deps' || name === 'obj.target')) continue;
        const full = path.join(dir, name);
        const stat = lstatSync(full) as FilterStat;
        const asarPath = `${dep.relative}/${path.relative(dep.dir, full).split(path.sep).join('/')}`;
        stat.moduleName = dep.name;
        stat.moduleRootPath = dep.relative;
        stat.moduleFullFilePath = asarPath;
        if (filter !== null && !filter(full, stat)) continue;
        if (stat.isDirectory()) visit(full);
        else out.push({ source: full, asarPath, moduleName: dep.name, stat });
      }
    };
    visit(dep.dir);
  }
  return out;
}

/** The packager's asarUnpack filter. */
export function asarUnpackFilter(config: BuilderConfig): Filter | null {
  const outDir = path.resolve(ROOT, config.directories?.output ?? 'dist');
  const matchers = fileMatcher.getFileMatchers(config, 'asarUnpack', '/asar', {
    macroExpander: identity,
    customBuildOptions: config.linux ?? {},
    globalOutDir: outDir,
    defaultSrc: ROOT,
  });
  return matchers?.[0]?.createFilter() ?? null;
}
