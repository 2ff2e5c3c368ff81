// Fails a test file whose worker outlives its tests (exit-guard.ts).
import './exit-guard';
export { sleep, waitFor } from '../../packages/local-stack/src/harness';
