import type Koa from 'koa';
import { type ApiState, json, send } from './answer';

/** Larger announced bodies are refused outright; every route is GET-only, so none is ever read. */
const MAX_BODY_BYTES = 64 * 1024;
const TOO_LARGE = json(413, { error: `request body too large (limit ${MAX_BODY_BYTES} bytes)` });
const MALFORMED_URL = json(400, { error: 'malformed URL' });

/** Refuses what the routes must not see (oversized bodies, undecodable paths), before the router. */
export const screen: Koa.Middleware<ApiState> = (ctx, next) => {
  if (Number(ctx.get('Content-Length')) > MAX_BODY_BYTES) {
    // Closing, rather than keeping the connection, spares the server draining the whole body.
    ctx.set('Connection', 'close');
    return send(ctx, TOO_LARGE);
  }
  // A chunked body has no announced size: it is ignored like any other, but the connection is
  // not kept, so a client cannot make the server drain an endless stream.
  if (ctx.get('Transfer-Encoding')) ctx.set('Connection', 'close');
  // The router passes an undecodable parameter through as it is: a bad percent-encoding is the
  // client's mistake, a 400 instead of a misleading 404.
  try {
    decodeURIComponent(ctx.path);
  } catch {
    return send(ctx, MALFORMED_URL);
  }
  return next();
};
