/**
 * Benchmark (prints figures, asserts nothing): the program's peak memory with many service folders.
 * N copies of the e2e-web fixture (default 200) on a new test stack, file backend, real Pulumi engine;
 * `pulumi preview` (it declares every resource, and deploys nothing): its time, the peak RSS of the
 * program alone (the Node process the language host starts, read when it exits) and of the whole run
 * (the largest of its processes). Each row alternates two runs: the folders declared a window at a
 * time (src/declare/declarationWindow.ts), as always, and all at once (DEPLOY_FOLDERS_AHEAD=N).
 * Usage: npm run bench:memory [-- N]
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FOLDERS_AHEAD, FOLDERS_AHEAD_ENV } from "../src/declare/declarationWindow";
import { missingPrerequisite, openProject, PULUMI_ROOT } from "../test/e2e/harness";
import { writeFolders } from "./folders";
import { printRows, Row, Run, runBenchmark, timed } from "./report";

/** Loaded into the program (NODE_OPTIONS): appends its peak RSS in KiB to the file it is given, when it exits. */
const PEAK_RSS_HOOK = `process.on("exit", () => require("node:fs").appendFileSync(process.env.BENCH_PEAK_RSS_FILE, process.resourceUsage().maxRSS + "\\n"));`;

interface ProgramRun extends Run {
  readonly programMiB: number;
}

function preview(dir: string, env: NodeJS.ProcessEnv, scratch: string): ProgramRun {
  const rssFile = path.join(scratch, "program-rss");
  fs.rmSync(rssFile, { force: true });
  const run = timed(["pulumi", "preview", "--stack", "test", "--non-interactive"], dir,
    { ...env, BENCH_PEAK_RSS_FILE: rssFile, NODE_OPTIONS: `--require ${path.join(scratch, "peak-rss.cjs")}` });
  // The program is the largest Node process of the run (the bundle it builds runs in the same one).
  const programKiB = Math.max(...fs.readFileSync(rssFile, "utf8").trim().split("\n").map(Number));
  return { ...run, programMiB: programKiB / 1024 };
}

async function main(): Promise<void> {
  const missing = missingPrerequisite();
  if (missing) throw new Error(`cannot run: ${missing}`);
  const n = Number(process.argv[2] ?? 200);
  const folders = writeFolders(n);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "bench-memory-"));
  fs.writeFileSync(path.join(scratch, "peak-rss.cjs"), PEAK_RSS_HOOK);
  const p = await openProject(folders);
  const rows: Row[] = [[`machine: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, load ${os.loadavg()[0].toFixed(2)} at start; ${n} folders, pulumi preview of a new stack`, ""]];
  try {
    const env = { ...process.env, ...p.env, PULUMI_SKIP_UPDATE_CHECK: "true", PATH: `${path.join(PULUMI_ROOT, "bin")}:${process.env.PATH ?? ""}`,
      NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? p.file(".deploy/compile-cache") };
    preview(p.dir, env, scratch); // bundles the program and fills the compile cache
    const fmt = (r: ProgramRun): string => `${r.seconds.toFixed(2)} s, program ${r.programMiB.toFixed(0)} MiB, run ${r.rssMiB.toFixed(0)} MiB`;
    for (let round = 1; round <= 3; round++) {
      rows.push([`${FOLDERS_AHEAD} folders ahead of the engine (the default), run ${round}`, fmt(preview(p.dir, env, scratch))]);
      rows.push([`all ${n} folders at once (${FOLDERS_AHEAD_ENV}=${n}), run ${round}`, fmt(preview(p.dir, { ...env, [FOLDERS_AHEAD_ENV]: String(n) }, scratch))]);
    }
  } finally {
    await p.cleanup();
    fs.rmSync(folders, { recursive: true, force: true });
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  printRows(rows);
}

runBenchmark(main);
