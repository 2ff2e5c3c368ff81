/**
 * Errors as they may be shown: in a log line, on stderr, in an HTTP answer or the CLI's output.
 *
 * ioredis attaches the command to a reply error (`err.command = { name, args }`): a failed
 * `HELLO 3 AUTH default <password>` or `AUTH <password>` carries the password, and the default
 * ways of showing an error (pino's error serializer, util.inspect, Node's report of an uncaught
 * error) print every own property. Redis itself echoes arguments in some replies ("ERR unknown
 * command 'x', with args beginning with: 'secret'"). Every sink of this program that shows an
 * error goes through here: the logger's serializers (createLogger), runMain's fatal line and its
 * handlers of uncaught errors, and the error texts put in views (probes, Sentinel queries).
 */

/** Own properties that may hold a command's arguments (ioredis, node's child_process, others). */
const ARGUMENT_FIELDS = new Set(['command', 'args', 'argv', 'spawnargs', 'options', 'previousErrors', 'lastNodeError']);

/** Redis's echo of a command's first arguments in an error reply, cut off. */
const ECHOED_ARGS = /(with args beginning with:)[^\n]*/g;

/** A message or stack with any arguments Redis echoed removed. */
export const scrubErrorText = (text: string): string => text.replace(ECHOED_ARGS, '$1 [hidden]');

/** `String(err)` (its type and message), safe to show. */
export function errorText(err: unknown): string {
  return scrubErrorText(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
}

/** The stack (or the text) of an error, safe to show: what runMain prints for a fatal error. */
export function errorStack(err: unknown): string {
  return err instanceof Error ? scrubErrorText(err.stack ?? `${err.name}: ${err.message}`) : errorText(err);
}

export interface SafeError {
  type: string;
  message: string;
  stack?: string;
  cause?: SafeError | string;
  errors?: Array<SafeError | string>;
  [field: string]: unknown;
}

/**
 * An error as a plain object for a log line: type, message, stack, its cause and aggregated
 * errors (the same way, three levels at most), and its other own fields only when they are plain
 * values and not named like arguments. Objects (a command, options holding a password) are left
 * out whole. A non-error is shown as text (scrubbed: `err: String(err)` is common).
 */
export function safeError(err: unknown, depth = 0): SafeError | string {
  if (!(err instanceof Error)) return typeof err === 'string' ? scrubErrorText(err) : errorText(err);
  const out: SafeError = { type: err.constructor?.name || err.name, message: scrubErrorText(err.message) };
  if (err.stack) out.stack = scrubErrorText(err.stack);
  for (const [key, value] of Object.entries(err)) {
    if (ARGUMENT_FIELDS.has(key) || key === 'message' || key === 'stack' || key === 'cause' || key === 'errors') continue;
    if (typeof value === 'string') out[key] = scrubErrorText(value);
    else if (typeof value === 'number' || typeof value === 'boolean' || value === null) out[key] = value;
  }
  if (depth < 3) {
    if (err.cause !== undefined) out.cause = safeError(err.cause, depth + 1);
    const errors = (err as { errors?: unknown }).errors;
    if (Array.isArray(errors)) out.errors = errors.slice(0, 10).map((e) => safeError(e, depth + 1));
  }
  return out;
}
