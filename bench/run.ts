/*
 * `npm run bench <name> [-- options]`: benchmarks print their numbers; they are never asserted in tests.
 */
const benches: Record<string, () => Promise<unknown>> = {
  recording: () => import('./recording.ts'),
};

const name = process.argv[2];
const load = name ? benches[name] : undefined;
if (!load) {
  console.error(`usage: npm run bench <${Object.keys(benches).join('|')}>`);
  process.exit(2);
}
await load();
