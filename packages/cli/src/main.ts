import { runMain } from '@redis-zk/core';
import { runCli } from './cli';

runMain(() => runCli());
