export { sleep, waitFor } from '../../packages/local-stack/src/harness';
