/**
 * The V8 flags each program runs with, in one place: Marathon's `cmd` (marathon/*.json, held to
 * this by test/marathon.test.ts), the build's code cache (V8 takes a cache only from a V8 with the
 * same flags: scripts/bundle.mjs writes each with its program's), and wherever the tests and the
 * bench start a program. What each bought: docs/benchmarks.md, "A light sidecar".
 *
 * - `--lite-mode` (V8's memory-for-speed trade: no JIT compilers, so their code pages in the node
 *   binary are never touched, and a heap tuned for size) for the two wrappers: 23-29 MB less
 *   resident each. Their JavaScript runs interpreted: their steady work (a tick a second, a
 *   few HTTP checks a second, Sentinel events) does not notice, their start does (more CPU until
 *   ready: measured in the bench's bootstrap rows). WebAssembly is off with it: nothing in them
 *   uses it (Node's fetch() does: they do not call it).
 * - `--optimize-for-size` for the watcher (~11 MB less): its discovery API must keep up with a
 *   bare node:http server under load, which an interpreter does not.
 */
export const NODE_FLAGS = {
  'redis-wrapper': ['--lite-mode'],
  'sentinel-wrapper': ['--lite-mode'],
  watcher: ['--optimize-for-size'],
  cli: [],
} as const satisfies Record<string, readonly string[]>;

export type LaunchedProgram = keyof typeof NODE_FLAGS;

/** How Marathon starts `program` in the image (the app's `cmd`, from the image's working directory). */
export const launchCommand = (program: LaunchedProgram): string => ['node', ...NODE_FLAGS[program], `packages/${program}/dist/main.js`].join(' ');
