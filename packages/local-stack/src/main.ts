import { runMain } from '@redis-zk/core';
import { runDemo } from './demo';

runMain(() => runDemo(process.argv.slice(2)));
