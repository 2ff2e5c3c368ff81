import { runMain } from '@redis-zk/core';
import { runSentinelWrapper } from './wrapper';

runMain(runSentinelWrapper);
