/*
 * `npm run bench [name]`: runs one benchmark and re-renders the report, or with no name every benchmark in order
 * (report last). Each writes its section of bench/results/latest.json; numbers are printed, never asserted in tests.
 */
const BENCHES = ['engine', 'fanout', 'janus', 'calibration', 'join', 'signaling', 'recording', 'report'] as const;

interface BenchModule {
  run?: () => Promise<void>;
}

const name = process.argv[2];
if (name !== undefined && !(BENCHES as readonly string[]).includes(name)) {
  console.error(`usage: npm run bench [${BENCHES.join('|')}]   (no name: all of them, in this order)`);
  process.exit(2);
}
const order = name === undefined ? [...BENCHES] : name === 'report' ? ['report'] : [name, 'report'];

const started = performance.now();
const summary: string[] = [];
let failed = false;
for (const bench of order) {
  const benchStarted = performance.now();
  try {
    // Loaded by name so that a bench still being written elsewhere cannot break the others.
    const module = (await import(`./${bench}.ts`)) as BenchModule;
    if (typeof module.run !== 'function') throw new Error(`bench/${bench}.ts exports no run()`);
    await module.run();
    summary.push(`ok      ${bench.padEnd(12)} ${seconds(benchStarted)}`);
  } catch (err) {
    failed = true;
    summary.push(`FAILED  ${bench.padEnd(12)} ${seconds(benchStarted)}  ${err instanceof Error ? err.message : String(err)}`);
    console.error(`bench ${bench} failed:`, err);
  }
  console.log(summary.at(-1));
}
console.log(`\n${summary.join('\n')}\ntotal ${seconds(started)}`);
// Benches close what they open, but a stray handle (a socket.io reconnect timer) must not keep the run alive.
process.exit(failed ? 1 : 0);

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}
