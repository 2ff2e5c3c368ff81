import { runSeeds } from '../helpers/nemesis-seeds';

// The nemesis (nemesis/, `npm run nemesis`) on its fixed seeds (test/helpers/nemesis-seeds.ts),
// the first half; nemesis-more.test.ts runs the rest beside it. Every checker must pass.
runSeeds(0);
