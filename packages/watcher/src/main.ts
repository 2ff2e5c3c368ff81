import { isMainThread } from 'node:worker_threads';
import { runMain } from '@redis-zk/core';
import { startApiThread } from './http/api-worker';
import { runWatcher } from './watcher';

// The same entry runs the HTTP API's thread (http/api-thread.ts starts it with this file).
if (isMainThread) runMain(runWatcher);
else startApiThread();
