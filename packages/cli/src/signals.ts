const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Runs `work` with SIGINT, SIGTERM and SIGHUP held off (told on stderr as `say`): interrupted, a
 * switchover would leave its work half done (writes paused for a slice, replicas ineligible until
 * their node loops give their priority back), so it is let finish, bounded by its timeout. SIGHUP
 * (a dropped SSH session) silently: there is no terminal to tell any more. Held from the moment
 * the command is parsed, before ZooKeeper is reached: a signal then would kill it just as well.
 */
export async function uninterrupted<T>(say: string, work: () => Promise<T>): Promise<T> {
  const onSignal = (signal: NodeJS.Signals) => {
    if (signal !== 'SIGHUP') process.stderr.write(`${say}\n`);
  };
  for (const sig of SIGNALS) process.on(sig, onSignal);
  try {
    return await work();
  } finally {
    for (const sig of SIGNALS) process.off(sig, onSignal);
  }
}
