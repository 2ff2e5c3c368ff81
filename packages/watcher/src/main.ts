import { runMain } from '@redis-zk/core';
import { runWatcher } from './watcher';

runMain(runWatcher);
