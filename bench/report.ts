/** What the benchmarks share: a command timed, their figures printed as two aligned columns, and how a run ends. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

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

export interface Run {
  readonly seconds: number;
  readonly rssMiB: number;
}

/** `command` under GNU time: wall seconds and the peak RSS of the command and its children. */
export function timed(command: string[], cwd: string, env: NodeJS.ProcessEnv): Run {
  const out = path.join(os.tmpdir(), `bench-time-${process.pid}`);
  const r = spawnSync("/usr/bin/time", ["-o", out, "-f", "%e %M", ...command], { cwd, env, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${command.join(" ")} failed:\n${r.stderr.slice(-3000)}`);
  const [seconds, kib] = fs.readFileSync(out, "utf8").trim().split("\n").pop()!.split(" ").map(Number);
  return { seconds, rssMiB: kib / 1024 };
}
