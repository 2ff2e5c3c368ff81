export { freePort } from '../../packages/local-stack/src/ports';
