import { type Address, describeTags, formatAddress, type HistoryEvent, type NodeTags, type SetStatus } from '@redis-zk/core';

/**
 * Text safe for a terminal: every control character but newline and tab (escape sequences
 * included, C1 too) shown as `?`. What the CLI prints comes from ZooKeeper and the servers, which
 * anyone with write access there could fill with sequences that rewrite the operator's screen.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
export const printable = (text: string): string => text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?');

/** Columns padded to their widest cell, two spaces apart (pure). */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const show = (a: Address | null | undefined) => (a ? formatAddress(a) : '-');
const ms = (n: number | undefined) => (n === undefined ? '-' : `${n} ms`);
const tags = (t: NodeTags | undefined) => (t ? describeTags(t) : '-');
const time = (at: number) => new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * History entries, oldest first, as a table. OUTAGE is the write outage as its recorder measured
 * it, with what it measures (outageBasis); GAP the bytes the old master had beyond the promoted
 * node's offset (possibly lost; a lower bound: its last known offset).
 */
export function historyTable(events: readonly HistoryEvent[], withReason: boolean): string {
  const head = ['TIME', 'CAUSE', 'FROM', 'TO', 'EPOCH', 'OUTAGE', 'GAP', 'BY', ...(withReason ? ['REASON'] : [])];
  return table([
    head,
    ...events.map((e) => [
      time(e.at),
      e.cause,
      e.from ?? '-',
      e.to,
      e.epoch < 0 ? '-' : String(e.epoch),
      e.durationMs === undefined ? '-' : `${ms(e.durationMs)}${e.outageBasis ? ` (${e.outageBasis})` : ''}`,
      e.offsetGapBytes === undefined ? '-' : `${e.offsetGapBytes} B`,
      e.by || '-',
      ...(withReason ? [e.reason] : []),
    ]),
  ]);
}

/** One set's status for people: a header line, its nodes, its sentinels, its problems and last changes. */
export function setStatusText(name: string, s: SetStatus): string {
  const agreeing = `${s.sentinelsAgreeing}/${s.sentinels.length} sentinels name it${s.sentinelQuorum !== null ? ` (quorum ${s.sentinelQuorum})` : ''}`;
  const lines = [
    `${name}: master ${show(s.master)} ${s.masterReachable ? 'up' : 'DOWN'}, ` +
      `${s.keys ?? '?'} keys, ${agreeing}${s.failoverInProgress ? ', FAILOVER IN PROGRESS' : ''}`,
    ...(s.paused
      ? [
          `  PAUSED (maintenance mode: no automatic failover) since ${s.paused.since} (${duration(s.paused.forSeconds)}) by ${s.paused.by}: ${s.paused.reason || '-'}`,
        ]
      : []),
    '',
    indent(
      table([
        ['ROLE', 'ADDRESS', 'LINK', 'LAG', 'TAGS', 'TASK', 'AGENT'],
        ['master', show(s.master), s.masterReachable ? 'up' : 'down', '-', tags(s.masterTags), s.masterTask ?? '-', s.masterAgent ?? '-'],
        ...s.replicas.map((r) => [r.role, show(r.address), r.linkStatus, r.lag === null ? '-' : `${r.lag} B`, tags(r.tags), r.task ?? '-', r.agent ?? '-']),
      ]),
    ),
    '',
    indent(
      table([['SENTINEL', 'REACHABLE', 'NAMES'], ...s.sentinels.map((x) => [show(x.address), x.reachable ? 'yes' : 'NO', x.names ? show(x.names) : '-'])]),
    ),
    '',
    `  problems: ${s.problems.length === 0 ? 'none' : ''}`,
    ...s.problems.map((p) => `    ${p.kind}: ${p.detail}`),
  ];
  if (s.recentChanges.length > 0) lines.push('', indent(historyTable(s.recentChanges, false)));
  return lines.join('\n');
}

/** Seconds as people read them: 45 s, 12 min, 3 h 5 min, 2 d 4 h (pure). */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
