/**
 * `npm run bench:replace [-- ROUNDS [INTERVAL [label|rule]]]`: requests lost while a routed service is replaced, behind a real
 * Traefik (docker provider), for this program (`pulumi up`, start-first) and for docker compose v2
 * (`up -d`, which stops the old container before it starts the new one), side by side. A client asks
 * the service through Traefik every 50 ms (20 requests a second) while one label of the fixture
 * `test/fixtures/routed/e2e-site` changes (its healthcheck interval 1s, or INTERVAL): a label of its
 * own (`label`, the default), or its router's rule (`rule`: another host name added, which the old
 * and new containers disagree on while both run). Prints figures, asserts nothing.
 * Needs: scripts/toolchain.sh test-tools (Traefik) and bench-tools (docker compose v2).
 */
import { execFile, execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { copyExampleSecrets, e2e, missingPrerequisite, openProject, REPO_ROOT, removeLeftovers, removeRunImages } from "../test/e2e/harness";
import { LoadResult, startTraefik, TraefikServer, traefikMissing, underLoad } from "../test/e2e/traefik";
import { printRows, runBenchmark } from "./report";

const COMPOSE_V2 = path.join(os.homedir(), ".cache/pulumi-toolchain/bin/docker-compose-v2");
const SITE = e2e("e2e-site");
const PROXY = e2e("e2e-proxy");
const EVERY_MS = 50;

/** The longest time without a successful answer: from a failure's request to the next success's. */
function longestOutage(r: LoadResult): number {
  if (r.failures.length === 0) return 0;
  const at = r.failures.map((f) => f.at).sort((a, b) => a - b);
  let longest = EVERY_MS;
  let start = at[0];
  for (let i = 1; i < at.length; i++) {
    if (at[i] - at[i - 1] > EVERY_MS * 2) start = at[i];
    longest = Math.max(longest, at[i] - start + EVERY_MS);
  }
  return longest;
}

function row(tool: string, round: number, r: LoadResult, seconds: number, replaced: boolean): [string, string] {
  return [`${tool}, round ${round}`, `${r.failed} of ${r.sent} requests failed; longest outage ${(longestOutage(r) / 1000).toFixed(2)} s; the command took ${seconds.toFixed(1)} s${replaced ? "" : " (THE CONTAINER WAS NOT REPLACED)"}`];
}

function containerId(): string {
  return spawnSync("docker", ["inspect", "--format", "{{.Id}}", SITE], { encoding: "utf8" }).stdout.trim();
}

/** The healthcheck interval of the site, for both tools. */
let interval = "1s";

function withInterval(composeFile: string): void {
  fs.writeFileSync(composeFile, fs.readFileSync(composeFile, "utf8").replace("interval: 1s", `interval: ${interval}`));
}

/** What changes at each round: a label of its own, or the router's rule. */
let change: "label" | "rule" = "label";

function relabel(composeFile: string, value: string): void {
  const text = fs.readFileSync(composeFile, "utf8");
  fs.writeFileSync(composeFile, change === "rule"
    ? text.replace(/(\.rule: Host\(`[^`]+`\))( \|\| Host\(`[^`]+`\))?/, `$1 || Host(\`${value}.test.picasoft.net\`)`)
    : text.replace(/traefik\.enable: "true"(\n\s+bench: .*)?/, `traefik.enable: "true"\n      bench: "${value}"`));
}

const run = promisify(execFile);

/** The command under the client's requests (run asynchronously, so that the client keeps asking). */
async function measured(traefik: TraefikServer, command: () => Promise<unknown>): Promise<{ load: LoadResult; seconds: number; replaced: boolean }> {
  await traefik.waitFor("site.test.picasoft.net", 200);
  const before = containerId();
  const t0 = performance.now();
  let seconds = 0;
  const load = await underLoad(traefik, "site.test.picasoft.net", EVERY_MS, async () => {
    await command();
    seconds = (performance.now() - t0) / 1000;
    // Until the service answers again (compose's new container is routed once healthy), and a second more.
    await traefik.waitFor("site.test.picasoft.net", 200, 120_000);
    await new Promise((r) => setTimeout(r, 1000));
  });
  return { load, seconds, replaced: containerId() !== before };
}

async function ours(traefik: TraefikServer, rounds: number, rows: [string, string][]): Promise<void> {
  const p = await openProject(path.join(REPO_ROOT, "test/fixtures/routed"));
  const env = { ...process.env, ...p.env };
  const up = (): Promise<unknown> => run("pulumi", ["up", "--yes", "--skip-preview", "--stack", "test", "--non-interactive"], { cwd: p.dir, env });
  try {
    withInterval(p.file(`services/${SITE}/docker-compose.yml`));
    await up();
    for (let i = 1; i <= rounds; i++) {
      relabel(p.file(`services/${SITE}/docker-compose.yml`), `ours-${i}`);
      const { load, seconds, replaced } = await measured(traefik, up);
      rows.push(row("pulumi up (start-first)", i, load, seconds, replaced));
    }
    execFileSync("pulumi", ["destroy", "--yes", "--stack", "test", "--non-interactive"], { cwd: p.dir, env, stdio: "ignore" });
  } finally {
    await p.cleanup();
  }
}

async function compose(traefik: TraefikServer, rounds: number, rows: [string, string][]): Promise<void> {
  if (!fs.existsSync(COMPOSE_V2)) {
    rows.push(["docker compose v2", "not built (bash scripts/toolchain.sh bench-tools)"]);
    return;
  }
  // The folder as the manual procedure runs it, with the test stack's host name written in by hand.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-replace-compose-"));
  const p = await openProject(path.join(REPO_ROOT, "test/fixtures/routed"));
  try {
    fs.cpSync(p.file(`services/${SITE}`), dir, { recursive: true });
    copyExampleSecrets(dir);
    const file = path.join(dir, "docker-compose.yml");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replaceAll("picasoft.net", "test.picasoft.net"));
    withInterval(file);
    spawnSync("docker", ["network", "create", PROXY], { stdio: "ignore" });
    const up = (): Promise<unknown> => run(COMPOSE_V2, ["up", "-d", "--build"], { cwd: dir });
    await up();
    for (let i = 1; i <= rounds; i++) {
      relabel(file, `compose-${i}`);
      const { load, seconds, replaced } = await measured(traefik, up);
      rows.push(row("docker compose v2 up -d", i, load, seconds, replaced));
    }
    spawnSync(COMPOSE_V2, ["down"], { cwd: dir, stdio: "ignore" });
  } finally {
    await p.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const missing = missingPrerequisite() ?? traefikMissing();
  if (missing) throw new Error(`cannot run: ${missing}`);
  const rounds = Number(process.argv[2] ?? 2) || 2;
  interval = process.argv[3] ?? interval;
  change = process.argv[4] === "rule" ? "rule" : "label";
  const what = change === "rule" ? "its router's rule changes" : "one label changes";
  const rows: [string, string][] = [[`machine: ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(2)} at start; a request every ${EVERY_MS} ms through Traefik while ${what}; healthcheck interval ${interval}`, ""]];
  removeLeftovers([SITE], [PROXY], []);
  const traefik = await startTraefik(PROXY);
  try {
    await ours(traefik, rounds, rows);
    removeLeftovers([SITE], [], []);
    await compose(traefik, rounds, rows);
  } finally {
    await traefik.stop();
    removeLeftovers([SITE, e2e("e2e-plain"), e2e("e2e-store")], [PROXY], [e2e("e2e-store-data")]);
    removeRunImages();
  }
  printRows(rows);
}

runBenchmark(main);
