import { runSeeds } from '../helpers/nemesis-seeds';

// The second half of the nemesis's fixed seeds (test/helpers/nemesis-seeds.ts), beside nemesis.test.ts.
runSeeds(1);
