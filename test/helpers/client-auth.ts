import type { ConnectionOptions } from 'node:tls';
import { TEST_PASSWORD } from './secrets';

let tls: ConnectionOptions | undefined;

/**
 * TLS for every helper's client (ask, TestEnv.role and .redis, DirectWriter, …), for a test file
 * whose deployments all speak TLS; set before they start. Test files run in processes of their own.
 */
export function useTestTls(options: ConnectionOptions | undefined): void {
  tls = options;
}

/** ioredis options every helper's client uses: the test password, and TLS when set. */
export const testAuth = (): { password: string; tls?: ConnectionOptions } => (tls ? { password: TEST_PASSWORD, tls } : { password: TEST_PASSWORD });
