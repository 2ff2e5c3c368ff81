/** redis's sdssplitargs, for the subset quoteConfigValue produces: checks the quoting round-trips. */
export function splitArgs(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === ' ') i += 1;
    if (i >= line.length) break;
    let cur = '';
    if (line[i] === '"') {
      i += 1;
      for (;;) {
        const ch = line[i];
        if (ch === undefined) throw new Error('unbalanced quotes');
        if (ch === '\\' && i + 1 < line.length) {
          const n = line[i + 1];
          cur += n === 'n' ? '\n' : n === 'r' ? '\r' : n === 't' ? '\t' : n;
          i += 2;
        } else if (ch === '"') {
          i += 1;
          if (i < line.length && line[i] !== ' ') throw new Error('closing quote must be followed by a space');
          break;
        } else {
          cur += ch;
          i += 1;
        }
      }
    } else {
      while (i < line.length && line[i] !== ' ') cur += line[i++];
    }
    out.push(cur);
  }
  return out;
}
