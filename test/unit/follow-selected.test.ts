import test from 'ava';
import { decideFollowSelected, type SelectedView } from '../../packages/redis-wrapper/src/node/follow-selected';
import { addr } from '../helpers/fixtures';

const SELF = addr('10.0.0.1:6379');
const OLD = addr('10.0.0.2:6379'); // the master Sentinel fails over from
const CHOSEN = addr('10.0.0.3:6379');
const OTHER = addr('10.0.0.4:6379');
const LEADER = addr('10.0.1.1:26379');

const view = (v: Partial<SelectedView> & { chosen?: typeof CHOSEN }): SelectedView => ({
  self: SELF,
  selected: { name: 'mymaster', replica: v.chosen ?? CHOSEN, from: OLD, via: LEADER },
  role: 'replica',
  following: OLD,
  paused: false,
  ...v,
});

const cases: Array<[string, SelectedView, 'follow' | 'none', RegExp]> = [
  [
    'a replica of the master being failed over from follows the chosen replica at once',
    view({}),
    'follow',
    /chose 10\.0\.0\.3:6379 to replace 10\.0\.0\.2:6379/,
  ],
  ['the chosen replica itself stays', view({ chosen: SELF }), 'none', /this node is the replica Sentinel chose/],
  ['a master stays (its own write pause covers it)', view({ role: 'master', following: null }), 'none', /not known to be a replica \(master\)/],
  ['a node never reached yet stays', view({ role: undefined, following: undefined }), 'none', /not reached yet/],
  ['a replica following another master stays (the loop sees to it)', view({ following: OTHER }), 'none', /following 10\.0\.0\.4:6379, not 10\.0\.0\.2:6379/],
  ['a replica with no master stays', view({ following: null }), 'none', /following no master/],
  ['a paused set: no automatic action', view({ paused: true }), 'none', /paused/],
];

for (const [title, v, kind, reason] of cases) {
  test(title, (t) => {
    const action = decideFollowSelected(v);
    t.is(action.kind, kind);
    t.regex(action.reason, reason);
    if (action.kind === 'follow') t.deepEqual(action.master, v.selected.replica);
  });
}
