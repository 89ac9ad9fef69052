/** What the benchmarks share: their figures printed as two aligned columns, and how a run ends. */
export type Row = [string, string];

export function printRows(rows: readonly Row[]): void {
  const width = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
}

/** Runs a benchmark's main: an error prints its message and exits 1. */
export function runBenchmark(main: () => Promise<void>): void {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
