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

export const JSON_TYPE = 'application/json; charset=utf-8';

/** Serialized when made, not by Koa after the middleware: a value JSON cannot hold throws where the API catches it. */
export const json = (status: number, value: unknown): Answer => ({ status, body: Buffer.from(JSON.stringify(value)) });

/** Every answer, whatever its route, with its type, its length (Koa, from the bytes) and no caching. */
export function send(ctx: ApiContext, a: Answer): void {
  ctx.status = a.status;
  // Before the body: with a Content-Type set, Koa does not look one up for the bytes.
  ctx.set({ 'Content-Type': a.type ?? JSON_TYPE, 'Cache-Control': 'no-store' });
  ctx.body = a.body; // Koa sends no body for HEAD
}
