import { parseInfo } from '../../packages/core/src/redis/connect';
import { ask } from './sentinel';

/** INFO <section> of a node as a map (one question, fresh connection); undefined when it does not answer. */
export async function info(port: number, section = 'replication'): Promise<Map<string, string> | undefined> {
  return ask(port, 'INFO', section).then(
    (text) => parseInfo(String(text)),
    () => undefined,
  );
}
