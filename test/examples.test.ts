/**
 * The examples in `examples/` are built only against the published package: each is its own npm
 * project that depends on the tarball `npm pack` makes of this repository. Here the package is
 * packed from the current source (in a temporary copy, so the repository's `dist/` is left
 * alone), installed into a temporary copy of each example with the example's own dependencies,
 * and the example's `typecheck`, `test` and `build` scripts must pass there. A public entry that
 * breaks for an example breaks this test.
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const EXAMPLES = ['wheel-of-fortune'];
/** What `npm pack` needs to build the package: its manifest, its build configs and sources. */
const PACKAGE_SOURCES = [
  'package.json',
  'README.md',
  'tsconfig.json',
  'tsconfig.build.json',
  'src',
];
/** What a developer's checkout of an example may hold that is not part of it. */
const NOT_COPIED = new Set(['node_modules', 'dist', 'data']);

interface Manifest {
  version: string;
  exports: Record<string, unknown>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  overrides?: unknown;
  scripts?: Record<string, string>;
}
const readManifest = (dir: string): Manifest =>
  JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
const rootManifest = readManifest(root);
const tarball = `bgio-chaster-${rootManifest.version}.tgz`;

const work = mkdtempSync(join(tmpdir(), 'bgio-chaster-examples-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs a command; on failure, throws with everything it printed. */
function run(cmd: string, args: string[], cwd: string): string {
  // A nested vitest must not think it runs inside this one, and prints plain text.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith('VITEST') && name !== 'FORCE_COLOR',
    ),
  );
  try {
    return execFileSync(cmd, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...env,
        NO_COLOR: '1',
        npm_config_loglevel: 'error',
        npm_config_update_notifier: 'false',
      },
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(
      `${cmd} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`,
      { cause: error },
    );
  }
}

/** Whether `path`, in the example at `dir`, is the example's own (not installed, built or packed). */
function isOwn(dir: string, path: string): boolean {
  const name = basename(path);
  return !name.endsWith('.tgz') && !(dirname(path) === dir && NOT_COPIED.has(name));
}

/** Every file of the example at `dir` that is its own, relative to it. */
function ownFiles(dir: string, under = ''): string[] {
  return readdirSync(join(dir, under), { withFileTypes: true }).flatMap((entry) => {
    const path = join(under, entry.name);
    if (!isOwn(dir, join(dir, path))) return [];
    return entry.isDirectory() ? ownFiles(dir, path) : [path];
  });
}

/** The module specifiers a TypeScript file imports (static, dynamic and side-effect imports). */
function importsOf(source: string): string[] {
  const found = source.matchAll(
    /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(?\s*['"]([^'"]+)['"]/gm,
  );
  return [...found].map((m) => (m[1] ?? m[2])!);
}

beforeAll(() => {
  // Pack from a copy: `npm pack` builds dist/ first, and another test may be packing the
  // repository itself at this moment.
  const pkg = join(work, 'package');
  mkdirSync(pkg);
  for (const name of PACKAGE_SOURCES)
    cpSync(join(root, name), join(pkg, name), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  run('npm', ['pack', '--pack-destination', work], pkg);
  expect(readdirSync(work)).toContain(tarball);

  for (const name of EXAMPLES) {
    const source = join(root, 'examples', name);
    const copy = join(work, name);
    cpSync(source, copy, { recursive: true, filter: (path) => isOwn(source, path) });
    copyFileSync(join(work, tarball), join(copy, tarball));
    // Install scripts are skipped to avoid compiling SQLite again: the native addon built for
    // this repository is copied in instead, which is the same file npm would build.
    run(
      'npm',
      ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'],
      copy,
    );
    const addon = 'node_modules/better-sqlite3/build/Release';
    mkdirSync(join(copy, addon), { recursive: true });
    copyFileSync(
      join(root, addon, 'better_sqlite3.node'),
      join(copy, addon, 'better_sqlite3.node'),
    );
  }
}, 300_000);

describe.each(EXAMPLES)('examples/%s', (name) => {
  const source = join(root, 'examples', name);
  const copy = join(work, name);
  const manifest = readManifest(source);

  it('depends on the packed package, with the versions and overrides this repository pins', () => {
    expect(manifest.dependencies?.['bgio-chaster']).toBe(`file:${tarball}`);
    const pinned = { ...rootManifest.dependencies, ...rootManifest.devDependencies };
    const own = { ...manifest.dependencies, ...manifest.devDependencies };
    for (const [dependency, version] of Object.entries(own)) {
      if (dependency in pinned) expect(version, dependency).toBe(pinned[dependency]);
    }
    // The overrides that keep boardgame.io's socket server safe: every embedder copies them.
    expect(manifest.overrides).toEqual(rootManifest.overrides);
    expect(Object.keys(manifest.scripts ?? {})).toEqual(
      expect.arrayContaining(['typecheck', 'test', 'start']),
    );
  });

  it('imports nothing from outside its folder, and this package only by its public entries', () => {
    const tsconfig = JSON.parse(readFileSync(join(source, 'tsconfig.json'), 'utf8')) as {
      extends?: string;
      include?: string[];
      files?: string[];
    };
    expect(tsconfig.extends).toBeUndefined();
    for (const entry of [...(tsconfig.include ?? []), ...(tsconfig.files ?? [])]) {
      expect(relative(source, resolve(source, entry)).startsWith('..'), entry).toBe(false);
    }
    const publicEntries = Object.keys(rootManifest.exports).map((subpath) =>
      join('bgio-chaster', subpath),
    );
    const files = ownFiles(source).filter((file) => /\.(ts|tsx|js|mjs)$/.test(file));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      for (const specifier of importsOf(readFileSync(join(source, file), 'utf8'))) {
        const where = `${file} imports ${specifier}`;
        if (specifier.startsWith('.')) {
          const target = resolve(source, dirname(file), specifier);
          expect(relative(source, target).startsWith('..'), where).toBe(false);
        } else if (specifier.split('/')[0] === 'bgio-chaster') {
          expect(publicEntries, where).toContain(specifier);
        } else {
          expect(specifier.startsWith('/'), where).toBe(false);
        }
      }
    }
  });

  // Each runs a whole tool in a fresh process, which takes long on a busy machine.
  it('typechecks against the packed types', { timeout: 120_000 }, () => {
    run('npm', ['run', 'typecheck'], copy);
  });

  it('passes its own tests against the packed package', { timeout: 120_000 }, () => {
    const out = run('npm', ['test'], copy);
    // Every test ran and passed: none skipped, none left to do.
    const [, passed, all] = out.match(/Tests\s+(\d+) passed \((\d+)\)/) ?? [];
    expect(Number(passed), out).toBeGreaterThan(0);
    expect(passed, out).toBe(all);
  });

  it('builds its page with the packed package', { timeout: 120_000 }, () => {
    run('npm', ['run', 'build'], copy);
    expect(readdirSync(join(copy, 'dist'))).toContain('index.html');
  });
});
