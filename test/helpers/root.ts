import path from 'node:path';

/** The repository's root (the bench reaches it from here without the tests' hooks). */
export const ROOT = path.resolve(__dirname, '..', '..');
