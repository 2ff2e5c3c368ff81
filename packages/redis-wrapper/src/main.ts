import { runMain } from '@redis-zk/core';
import { runRedisWrapper } from './wrapper';

runMain(runRedisWrapper);
