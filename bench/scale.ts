/**
 * Benchmark (prints figures, asserts nothing): N service folders, each a copy of the e2e-web fixture
 * (one home-built image, one container), on the test stack with a file backend, real Pulumi engine and
 * Docker; then docker compose v2 (and Debian's 1.29 where installed) on the same folders:
 *   first up; no-op up; no-change preview; one label changed in one folder: preview (also with the
 *   unchanged folders left out, as scripts/deploy.sh runs it: src/plan/leftOut.ts), then up;
 *   the project's deploy command (scripts/deploy.sh --yes) with no change (its first run, which bundles
 *   the no-change check and reads every folder, then the best of 3) and with one label changed; peak
 *   RSS of each run.
 * Usage: npm run bench:scale -- 2 10 30
 *   (docker compose v2: bash scripts/toolchain.sh bench-tools builds it into the toolchain cache)
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { copyExampleSecrets, e2e, missingPrerequisite, openProject, PULUMI_ROOT, removeLeftovers, removeRunImages } from "../test/e2e/harness";
import { UNCHANGED_FOLDERS_ENV } from "../src/plan/leftOut";
import { relabel, writeFolders } from "./folders";
import { printRows, Run, runBenchmark, timed } from "./report";

const COMPOSE_V2 = path.join(os.homedir(), ".cache/pulumi-toolchain/bin/docker-compose-v2");

function best(runs: Run[]): Run {
  return runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

function pulumiFigures(p: Awaited<ReturnType<typeof openProject>>, n: number, rows: [string, string][]): void {
  // The CLI itself first: under `npm run`, node_modules/.bin/pulumi (a Node wrapper around it) would be.
  // As after `source scripts/setup.sh`: V8's compile cache kept between runs.
  const env = { ...process.env, ...p.env, PULUMI_SKIP_UPDATE_CHECK: "true", PATH: `${path.join(PULUMI_ROOT, "bin")}:${process.env.PATH ?? ""}`,
    NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? p.file(".deploy/compile-cache") };
  const pulumi = (...args: string[]): Run => timed(["pulumi", ...args, "--stack", "test", "--non-interactive"], p.dir, env);
  const fmt = (r: Run): string => `${r.seconds.toFixed(2)} s, ${r.rssMiB.toFixed(0)} MiB`;
  rows.push([`N=${n} pulumi up, first (images built, build cache warm)`, fmt(pulumi("up", "--yes"))]);
  rows.push([`N=${n} pulumi up, no change (best of 3)`, fmt(best([1, 2, 3].map(() => pulumi("up", "--yes"))))]);
  rows.push([`N=${n} pulumi preview, no change (best of 3)`, fmt(best([1, 2, 3].map(() => pulumi("preview"))))]);
  relabel(p.file(`services/${e2e("e2e-s0")}/docker-compose.yml`), "one");
  rows.push([`N=${n} pulumi preview, one label changed`, fmt(pulumi("preview"))]);
  rows.push([`N=${n} pulumi preview, one label changed, the unchanged folders left out as deploy.sh does`, fmt(previewLeavingOut(p, env))]);
  rows.push([`N=${n} pulumi up, one label changed`, fmt(pulumi("up", "--yes"))]);
  const deploy = (): Run => timed(["bash", "scripts/deploy.sh", "--yes"], p.dir, env);
  rows.push([`N=${n} bash scripts/deploy.sh --yes, no change, first (bundles the check, reads every folder)`, fmt(deploy())]);
  rows.push([`N=${n} bash scripts/deploy.sh --yes, no change (best of 3)`, fmt(best([1, 2, 3].map(deploy)))]);
  relabel(p.file(`services/${e2e("e2e-s0")}/docker-compose.yml`), "two");
  rows.push([`N=${n} bash scripts/deploy.sh --yes, one label changed`, fmt(deploy())]);
}

/** The preview deploy.sh's `pulumi up` runs: with the --exclude pairs and fingerprints the no-change check writes (src/plan/leftOut.ts). */
function previewLeavingOut(p: Awaited<ReturnType<typeof openProject>>, env: NodeJS.ProcessEnv): Run {
  const file = p.file(".deploy/left-out");
  spawnSync(process.execPath, ["scripts/up-to-date.cjs", "test", file], { cwd: p.dir, env, stdio: "ignore" });
  const [unchanged, ...args] = fs.readFileSync(file, "utf8").split("\n").filter((l) => l !== "");
  return timed(["pulumi", "preview", ...args, "--stack", "test", "--non-interactive"], p.dir, { ...env, [UNCHANGED_FOLDERS_ENV]: unchanged ?? "" });
}

function composeFigures(label: string, compose: string[], servicesDir: string, n: number, rows: [string, string][]): void {
  const folders = fs.readdirSync(servicesDir).sort();
  const all = (...args: string[]): Run => {
    const started = process.hrtime.bigint();
    let rss = 0;
    for (const f of folders) rss = Math.max(rss, timed([...compose, ...args], path.join(servicesDir, f), process.env).rssMiB);
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9, rssMiB: rss };
  };
  const fmt = (r: Run): string => `${r.seconds.toFixed(2)} s, ${r.rssMiB.toFixed(0)} MiB`;
  rows.push([`N=${n} ${label} up -d --build, first, each folder`, fmt(all("up", "-d", "--build"))]);
  rows.push([`N=${n} ${label} up -d, no change, each folder (best of 3)`, fmt(best([1, 2, 3].map(() => all("up", "-d"))))]);
  relabel(path.join(servicesDir, folders[0], "docker-compose.yml"), label.replace(/\W/g, ""));
  rows.push([`N=${n} ${label} up -d, one label changed, that folder`, fmt(timed([...compose, "up", "-d"], path.join(servicesDir, folders[0]), process.env))]);
  for (const f of folders) spawnSync(compose[0], [...compose.slice(1), "down"], { cwd: path.join(servicesDir, f), stdio: "ignore" });
}

/** The folders as the manual procedure runs them: example secrets copied to real ones. */
function composeCopy(from: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-scale-compose-"));
  fs.cpSync(from, dir, { recursive: true });
  for (const f of fs.readdirSync(dir)) copyExampleSecrets(path.join(dir, f));
  return dir;
}

async function scale(n: number, rows: [string, string][]): Promise<void> {
  const folders = writeFolders(n);
  const p = await openProject(folders);
  try {
    pulumiFigures(p, n, rows);
    execFileSync("pulumi", ["destroy", "--yes", "--stack", "test", "--non-interactive"], { cwd: p.dir, env: { ...process.env, ...p.env }, stdio: "ignore" });
    const copy = composeCopy(p.file("services"));
    spawnSync("docker", ["network", "create", e2e("e2e-proxy")], { stdio: "ignore" });
    try {
      if (fs.existsSync(COMPOSE_V2)) composeFigures("compose v2", [COMPOSE_V2], copy, n, rows);
      else rows.push([`N=${n} compose v2`, "not built (bash scripts/toolchain.sh bench-tools)"]);
      if (spawnSync("docker-compose", ["version"], { stdio: "ignore" }).status === 0) composeFigures("compose 1.29", ["docker-compose"], copy, n, rows);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  } finally {
    removeLeftovers(Array.from({ length: n }, (_, i) => e2e(`e2e-s${i}`)), [e2e("e2e-proxy")], []);
    await p.cleanup();
    fs.rmSync(folders, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const missing = missingPrerequisite();
  if (missing) throw new Error(`cannot run: ${missing}`);
  const ns = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const rows: [string, string][] = [[`machine: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, load ${os.loadavg()[0].toFixed(2)} at start`, ""]];
  for (const n of ns.length > 0 ? ns : [2, 10, 30]) await scale(n, rows);
  removeRunImages();
  printRows(rows);
}

runBenchmark(main);
