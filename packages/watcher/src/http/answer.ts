import type Koa from 'koa';

/** What a request carries through the API's middleware. */
export interface ApiState {
  /** The route pattern that answered (the request counter's `route` label); none: 'unmatched'. */
  route?: string;
}
export type ApiContext = Koa.ParameterizedContext<ApiState>;

/** One answer of the API: its status and bytes, JSON unless `type` says otherwise. */
export interface Answer {
  readonly status: number;
  readonly body: Buffer;
  readonly type?: string;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** Serialized when made, not by Koa after the middleware: a value JSON cannot hold throws where the API catches it. */
export const json = (status: number, value: unknown): Answer => ({ status, body: Buffer.from(JSON.stringify(value)) });

/** The headers every answer carries, whatever its route, besides its length: its type, and no caching. */
export const headersOf = (a: Answer): Record<string, string> => ({ 'Content-Type': a.type ?? JSON_TYPE, 'Cache-Control': 'no-store' });

/** Every answer through Koa, with headersOf and its length (Koa, from the bytes). */
export function send(ctx: ApiContext, a: Answer): void {
  ctx.status = a.status;
  // Before the body: with a Content-Type set, Koa does not look one up for the bytes.
  ctx.set(headersOf(a));
  ctx.body = a.body; // Koa sends no body for HEAD
}
