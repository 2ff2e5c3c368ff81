'use strict';
// A program's entry, packages/<program>/dist/main.js (copied there by scripts/bundle.mjs).
// It runs dist/program.js, the bundled program, with the V8 code cache the build made
// (dist/program.cache): compiling a 1 MB bundle from scratch is a good part of a wrapper's
// start-up CPU, and fifty wrappers starting at once share the machine's cores. A cache made from
// other bytes, or by another Node or other V8 flags, is not used: the program then compiles.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const programFile = path.join(__dirname, 'program.js');
const cacheFile = path.join(__dirname, 'program.cache');
const DIGEST_BYTES = 32;
const digest = (source) => crypto.createHash('sha256').update(source).digest();

function compile(source, cachedData) {
  return new vm.Script(source, {
    // program.js is the module wrapper function itself
    filename: programFile,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
}

/** Module initialisation only; the program itself starts in `main`. */
function load(script) {
  const module = { exports: {} };
  script.runInThisContext()(module.exports, require, module, programFile, __dirname);
  return module.exports;
}

function readCache(source) {
  try {
    const cache = fs.readFileSync(cacheFile);
    return cache.subarray(0, DIGEST_BYTES).equals(digest(source)) ? cache.subarray(DIGEST_BYTES) : undefined;
  } catch {
    return undefined;
  }
}

// Nothing here keeps the source: the watcher's is ~2 MB, and V8 keeps its own copy.
if (process.argv[2] === '--write-code-cache') {
  // Build time: the cache holds what loading compiled, so it is written after loading.
  const source = fs.readFileSync(programFile, 'utf8');
  const script = compile(source);
  load(script);
  fs.writeFileSync(cacheFile, Buffer.concat([digest(source), script.createCachedData()]));
} else {
  const program = load(
    (() => {
      const source = fs.readFileSync(programFile, 'utf8');
      return compile(source, readCache(source));
    })(),
  );
  program.runMain(program.main);
}
