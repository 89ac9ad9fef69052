/**
 * Benchmark (prints figures, asserts nothing), on the end-to-end fixture services, real Docker:
 *   - time from `pulumi up` start to every container healthy (up waits for health checks);
 *   - a no-op `pulumi up` on the running services;
 *   - `docker-compose up -d` (Debian's docker-compose v1) in each folder on the same services
 *     already running under compose, side by side.
 * Usage: npm run bench:e2e   (needs scripts/toolchain.sh done: Pulumi engine, Docker, docker-compose)
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { copyExampleSecrets, e2e, health, missingPrerequisite, openProject, removeLeftovers, removeRunImages, REPO_ROOT } from "../test/e2e/harness";
import { printRows, runBenchmark } from "./report";

const FIXTURES = path.join(REPO_ROOT, "test/fixtures/services");
const CONTAINERS = [e2e("e2e-web"), e2e("e2e-app"), e2e("e2e-app-db")];
const NETWORKS = [e2e("e2e-app-db"), e2e("e2e-proxy")];
const VOLUMES = [e2e("e2e-app-data")];

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

async function timed<T>(f: () => Promise<T> | T): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await f();
  return [r, performance.now() - t0];
}

async function main(): Promise<void> {
  const missing = missingPrerequisite();
  if (missing) throw new Error(`cannot run: ${missing}`);
  removeLeftovers(CONTAINERS, NETWORKS, VOLUMES);
  const rows: [string, string][] = [];

  const p = await openProject(FIXTURES);
  try {
    await p.stack.up(); // builds images (not timed: build caches differ between machines)
    await p.stack.destroy();
    const [, first] = await timed(() => p.stack.up());
    const healthy = CONTAINERS.filter((c) => ["healthy", "none"].includes(health(c))).length;
    rows.push([`pulumi up from empty to all healthy (${healthy}/${CONTAINERS.length} ready)`, seconds(first)]);
    const noop: number[] = [];
    for (let i = 0; i < 3; i++) noop.push((await timed(() => p.stack.up({ expectNoChanges: true })))[1]);
    rows.push(["pulumi up, no-op (best of 3)", seconds(Math.min(...noop))]);
    const [, preview] = await timed(() => p.stack.preview());
    rows.push(["pulumi preview, no changes", seconds(preview)]);
    await p.stack.destroy();
  } finally {
    await p.cleanup();
  }

  if (spawnSync("docker-compose", ["version"], { stdio: "ignore" }).status === 0) {
    // The manual procedure: real secret files from the examples, the external network by hand.
    const dir = fs.mkdtempSync("/tmp/bench-compose-");
    try {
      fs.cpSync(FIXTURES, dir, { recursive: true });
      for (const folder of fs.readdirSync(dir)) copyExampleSecrets(path.join(dir, folder));
      // docker-compose runs the fixtures as committed, with their own names.
      spawnSync("docker", ["network", "create", "e2e-proxy"], { stdio: "ignore" });
      const compose = (folder: string, ...args: string[]): void => {
        execFileSync("docker-compose", args, { cwd: path.join(dir, folder), stdio: "ignore" });
      };
      const folders = fs.readdirSync(dir).sort();
      for (const f of folders) compose(f, "up", "-d", "--build");
      const noop: number[] = [];
      for (let i = 0; i < 3; i++) noop.push((await timed(() => folders.forEach((f) => compose(f, "up", "-d"))))[1]);
      rows.push([`docker-compose up -d, no-op, ${folders.length} folders (best of 3)`, seconds(Math.min(...noop))]);
      for (const f of folders) compose(f, "down", "-v");
    } finally {
      removeLeftovers(["e2e-web", "e2e-app", "e2e-app-db"], ["e2e-app-db", "e2e-proxy"], ["e2e-app-data"]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  } else {
    rows.push(["docker-compose up -d", "not installed (apt-get install docker-compose)"]);
  }

  removeRunImages();
  printRows(rows);
}

runBenchmark(main);
