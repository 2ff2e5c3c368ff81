import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { GUARDED_VERSION } from '../../packages/core/src/zk/library-guards';

const ROOT = path.join(__dirname, '..', '..');
interface PackageJson {
  version?: string;
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const json = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8')) as PackageJson;

test('node-zookeeper-client is exactly the version library-guards.ts patches', (t) => {
  const installed = json('node_modules/node-zookeeper-client/package.json').version;
  const pinned = json('packages/core/package.json').dependencies?.['node-zookeeper-client'];
  t.is(
    pinned,
    GUARDED_VERSION,
    `packages/core/package.json must pin node-zookeeper-client to exactly ${GUARDED_VERSION} (library-guards.ts reaches into its internals)`,
  );
  t.is(
    installed,
    GUARDED_VERSION,
    `node-zookeeper-client ${installed} is installed, but library-guards.ts patches the internals of ${GUARDED_VERSION}: ` +
      're-check every guard against the new version (and its tests in zk-client.test.ts) before changing GUARDED_VERSION',
  );
});

test('the Node that runs the tests is the one the project brings (package.json), and engines says so', (t) => {
  const pkg = json('package.json');
  const major = (v: string) => Number(/(\d+)/.exec(v)?.[1]);
  t.is(
    process.versions.node,
    pkg.devDependencies?.node ?? '(none)',
    'tests must run on the node package in node_modules/.bin (npm scripts put it first on PATH)',
  );
  t.is(major(pkg.engines?.node ?? ''), major(pkg.devDependencies?.node ?? ''), 'engines and the bundled Node name the same major');
});

test('the image builds and runs on the same Node major as the tests', (t) => {
  const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const images = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
  const major = Number(/(\d+)/.exec(json('package.json').devDependencies?.node ?? '')?.[1]);
  t.is(images.length, 2);
  t.is(images[0], images[1], 'build and runtime stages use the same image, so the code cache built in one is used in the other');
  t.regex(images[0]!, new RegExp(`^node:${major}\\.`), `the image's Node is ${major}`);
});
