// Bundles each shipped program into one file, with a V8 code cache beside it. Why: resolving and
// compiling a few hundred modules is most of a wrapper's start-up CPU, and fifty wrappers starting
// at once share two cores. Runs after `tsc -b` (core is bundled from its dist/). Writes, per program:
//   dist/program.js     the program and its dependencies, as one CommonJS module wrapper
//                       (a function expression; it exports `main` and core's `runMain`)
//   dist/program.cache  V8's code cache for it (see scripts/program-loader.cjs)
//   dist/main.js        the entry, scripts/program-loader.cjs (over tsc's own main.js)
// (the CLI's, packages/cli/dist/main.js, with a shebang: it is the `redis-zk` command)
// and the HTTP threads, packages/watcher/dist/api-thread.js and packages/redis-wrapper/dist/node-api-thread.js,
// each with only the modules that thread loads (a second copy of the whole program would cost ~15 MB of memory).
// The rest of dist/ stays tsc's per-module output.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { build } from 'esbuild';
import { NODE_FLAGS } from '../packages/core/dist/process/node-flags.js';

/** Each program's main function: what its src/main.ts hands to runMain. */
const programs = {
  'redis-wrapper': { from: './src/wrapper', main: 'runRedisWrapper' },
  'sentinel-wrapper': { from: './src/wrapper', main: 'runSentinelWrapper' },
  watcher: { from: './src/watcher', main: 'runWatcher' },
  cli: { from: './src/cli', main: 'runCli' },
};
/** Run as commands, not only by `node <file>`: the entry gets a shebang and the execute bit (npm `bin`). */
const commands = new Set(['cli']);

/** One CommonJS file for Node 20, names kept, whitespace not. */
const bundled = { bundle: true, platform: 'node', target: 'node26', format: 'cjs', minifyWhitespace: true, minifySyntax: true, logLevel: 'warning' };

await Promise.all(
  Object.entries(programs).map(async ([program, { from, main }]) => {
    const dist = `packages/${program}/dist`;
    fs.rmSync(`${dist}/program.cache`, { force: true });
    await build({
      stdin: {
        contents: `export { ${main} as main } from '${from}';\nexport { runMain } from '@redis-zk/core';\n`,
        resolveDir: `packages/${program}`,
        sourcefile: `${program}-entry.ts`,
        loader: 'ts',
      },
      outfile: `${dist}/program.js`,
      ...bundled,
      // The module wrapper is part of the file, so the loader compiles it as read (no second
      // copy of the source), and V8 keeps a smaller source.
      banner: { js: '(function (exports, require, module, __filename, __dirname) {' },
      footer: { js: '})' },
    });
    const loader = fs.readFileSync('scripts/program-loader.cjs', 'utf8');
    fs.writeFileSync(`${dist}/main.js`, commands.has(program) ? `#!/usr/bin/env node\n${loader}` : loader, { mode: commands.has(program) ? 0o755 : 0o644 });
    fs.chmodSync(`${dist}/main.js`, commands.has(program) ? 0o755 : 0o644);
    // With the flags the program runs with: V8 rejects a cache written under other flags.
    execFileSync(process.execPath, [...NODE_FLAGS[program], `${dist}/main.js`, '--write-code-cache'], { stdio: 'inherit' });
  }),
);

/** HTTP threads (core's HttpThread), each bundled with only the modules it loads. */
const threads = [
  { program: 'watcher', from: './src/http/api-worker', start: 'startApiThread', outfile: 'api-thread.js' },
  { program: 'redis-wrapper', from: './src/node/api/worker', start: 'startNodeApiThread', outfile: 'node-api-thread.js' },
];
await Promise.all(
  threads.map(({ program, from, start, outfile }) =>
    build({
      stdin: {
        contents: `import { ${start} } from '${from}';\n${start}();\n`,
        resolveDir: `packages/${program}`,
        sourcefile: `${outfile}-entry.ts`,
        loader: 'ts',
      },
      outfile: `packages/${program}/dist/${outfile}`,
      ...bundled,
    }),
  ),
);
