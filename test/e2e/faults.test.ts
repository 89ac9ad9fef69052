import assert from "node:assert/strict";
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { explainPulumiError } from "../../src/cli/pulumiErrors";
import { recover } from "../../src/cli/recover";
import { e2e, openProject, Project, REPO_ROOT, skipReason } from "./harness";
import { PrivateEngine, privateEngineMissing, startPrivateEngine } from "./privateEngine";

interface Run {
  readonly child: ChildProcess;
  output(): string;
  done: Promise<number>;
}

/** `pulumi <args>` in the project, as a user runs it, in its own process group (to be killed whole). */
function pulumi(p: Project, ...args: string[]): Run {
  const child = spawn("pulumi", [...args, "--stack", "test", "--non-interactive"], { cwd: p.dir, env: { ...process.env, ...p.env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  child.stdout.on("data", (d) => (text += d));
  child.stderr.on("data", (d) => (text += d));
  const done = new Promise<number>((r) => child.once("close", (code, signal) => r(code ?? (signal ? 128 : 1))));
  return { child, output: () => text, done };
}

async function until(what: string, check: () => boolean, seconds = 120): Promise<void> {
  for (let i = 0; i < seconds * 10; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * What a production tool must survive in the middle of a deploy: its own process killed, the Docker
 * engine killed and restarted, two deploys at once. After each, the documented recovery (npm run
 * recover, then pulumi up) converges: one container per name, the data volume's content intact, and a
 * preview with nothing left to do.
 */
describe("faults in the middle of a deploy, on an engine of the test's own", { skip: skipReason("fault tests", privateEngineMissing) }, () => {
  const CONTAINERS = [e2e("e2e-web"), e2e("e2e-app"), e2e("e2e-app-db")];
  let engine: PrivateEngine;
  let p: Project;
  const named = (name: string): number => engine.docker("ps", "-a", "--filter", `name=^${name}$`, "--format", "{{.ID}}").split("\n").filter(Boolean).length;
  /** A label change on web and app: both containers are replaced. */
  const relabel = (label: string): void => {
    for (const f of ["e2e-web", "e2e-app"]) p.edit(e2e(`services/${f}/docker-compose.yml`), (t) => t.replace(/(\n\s+)fault: .*|(\n(\s+)traefik\.enable: "true")/g, (_m, _f, keep: string, indent: string) => (keep ? `${keep}\n${indent}fault: ${label}` : "")));
  };
  const recoverNow = async (): Promise<string> => {
    const { code, output } = await p.cli((out) => recover(["test", "--yes"], p.dir, out, () => undefined));
    assert.equal(code, 0, output);
    return output;
  };
  /** One container per name, running (healthy where checked), with `label`, the data intact, nothing left to do. */
  const assertConverged = async (label: string): Promise<void> => {
    for (const c of CONTAINERS) assert.equal(named(c), 1, `one container named ${c}`);
    for (const c of [e2e("e2e-web"), e2e("e2e-app-db")]) {
      await until(`${c} healthy`, () => engine.docker("inspect", "--format", "{{.State.Health.Status}}", c) === "healthy", 60);
    }
    assert.equal(engine.docker("inspect", "--format", "{{.State.Status}}", e2e("e2e-app")), "running");
    for (const c of [e2e("e2e-web"), e2e("e2e-app")]) assert.equal(engine.docker("inspect", "--format", "{{index .Config.Labels \"fault\"}}", c), label);
    assert.equal(engine.docker("exec", e2e("e2e-app-db"), "cat", "/data/precious.txt"), "precious", "the data volume kept its content");
    const preview = await p.stack.preview();
    assert.deepEqual(Object.keys(preview.changeSummary).filter((k) => k !== "same"), [], JSON.stringify(preview.changeSummary));
  };
  /** `pulumi up` started, and stopped by `fault` once it is creating a container. */
  const interruptedUp = async (fault: (run: Run) => Promise<void>): Promise<Run> => {
    const run = pulumi(p, "up", "--yes");
    await until("a container being created", () => /Container .*creating/.test(run.output()));
    await new Promise((r) => setTimeout(r, 200));
    await fault(run);
    await run.done;
    return run;
  };

  before(async () => {
    engine = await startPrivateEngine(["debian:bookworm-slim"]);
    p = await openProject(path.join(REPO_ROOT, "test/fixtures/services"), { dockerHost: engine.host });
    relabel("none");
    const up = await p.stack.up();
    assert.equal(up.summary.result, "succeeded");
    engine.docker("exec", e2e("e2e-app-db"), "sh", "-c", "echo precious > /data/precious.txt");
  });
  after(async () => {
    await p?.cleanup();
    await engine?.stop();
  });

  it("the pulumi process killed mid-up: the lock and the pending creates it leaves are recovered, the next up converges", async (t) => {
    relabel("killed");
    await interruptedUp((run) => Promise.resolve(void process.kill(-run.child.pid!, "SIGKILL")));
    const refused = pulumi(p, "up", "--yes");
    assert.notEqual(await refused.done, 0);
    // Killed while it wrote the state, pulumi leaves it or its metadata (.attrs) cut short (seen once in
    // about ten runs): every command then fails to load it; recover puts back the state before that
    // write, or sets the metadata aside.
    const cut = /failed to load checkpoint/.test(refused.output());
    if (!cut) assert.match(refused.output(), /currently locked by 1 lock\(s\).*\n.*created by/, "the killed run left its lock");
    const started = Date.now();
    const said = await recoverNow();
    t.diagnostic(`recover took ${((Date.now() - started) / 1000).toFixed(1)} s${cut ? " (the state file was cut short)" : ""}:\n${said}`);
    assert.match(said, /locked by .* no longer runs: the lock is stale/);
    if (cut) assert.match(said, /state put back from \S+test\.json\.bak|the broken metadata is kept as \S+test\.json\.attrs\.broken-/);
    else assert.match(said, /pending create of container .*(made by the interrupted run .*removed|Docker never made it)/);
    const up = await p.stack.up();
    assert.equal(up.summary.result, "succeeded");
    await assertConverged("killed");
  });

  it("dockerd killed mid-up and started again: recovered, the next up converges", async (t) => {
    relabel("crash");
    const run = await interruptedUp(async () => {
      await engine.kill();
      await engine.restart();
    });
    assert.notEqual(await run.done, 0, "the up that lost its engine fails");
    // The README's recovery after a crash: Docker restarted cleanly once more (a start cut short by the
    // crash can leave its port allocated in the restarted dockerd), then npm run recover.
    await engine.restartCleanly();
    const said = await recoverNow();
    t.diagnostic(said);
    t.diagnostic(execFileSync("bash", ["-c", "ps -o pid,ppid,comm,args -C docker-proxy || true"], { encoding: "utf8" }));
    t.diagnostic(engine.docker("ps", "-a", "--format", "{{.ID}} {{.Names}} {{.Status}} {{.Ports}}"));
    const up = await p.stack.up();
    assert.equal(up.summary.result, "succeeded");
    await assertConverged("crash");
  });

  it("two pulumi up at once: one is refused with the lock message, nothing is applied twice", async (t) => {
    relabel("twice");
    const locked = /the stack is currently locked by 1 lock\(s\)/;
    // Pulumi's lock is written, then listed: not atomic. Two ups started in the same instant can both
    // see the other's lock and both give up, changing nothing (docs/shared-state.md): then try again.
    for (let attempt = 1; ; attempt++) {
      const runs = [pulumi(p, "up", "--yes"), pulumi(p, "up", "--yes")];
      const codes = await Promise.all(runs.map((r) => r.done));
      t.diagnostic(`attempt ${attempt}: exit codes ${codes.join(", ")}`);
      const refused = runs.filter((_r, i) => codes[i] !== 0);
      const outputs = runs.map((r) => r.output()).join("\n----\n");
      if (refused.length === 2 && attempt < 3 && refused.every((r) => locked.test(r.output()))) continue;
      assert.equal(refused.length, 1, outputs);
      assert.match(refused[0].output(), locked);
      assert.match(explainPulumiError(new Error(refused[0].output()), "test"), /is locked by \S+@\S+ \(pid \d+, since \S+\): someone is deploying it/);
      break;
    }
    await assertConverged("twice");
  });

  it("a state file cut short (pulumi killed while writing it) is put back by recover, and the next up converges", async () => {
    const stateFile = p.file(".state/.pulumi/stacks/dockerfiles/test.json");
    fs.writeFileSync(stateFile, fs.readFileSync(stateFile, "utf8").slice(0, 100));
    relabel("cut");
    const refused = pulumi(p, "up", "--yes");
    assert.notEqual(await refused.done, 0);
    assert.match(refused.output(), /failed to load checkpoint/);
    const said = await recoverNow();
    assert.match(said, /the state file \S+test\.json is empty or cut short/);
    assert.match(said, /state put back from \S+test\.json\.bak; the broken file is kept as \S+test\.json\.broken-/);
    const kept = fs.readdirSync(path.dirname(stateFile)).find((f) => f.startsWith("test.json.broken-"));
    assert.ok(kept && fs.readFileSync(path.join(path.dirname(stateFile), kept), "utf8").length === 100, "the broken file is kept as it was");
    const up = await p.stack.up();
    assert.equal(up.summary.result, "succeeded");
    await assertConverged("cut");
  });

  it("the state's metadata emptied (pulumi killed while rewriting it in place) is set aside by recover, and the next up converges", async () => {
    const metadata = p.file(".state/.pulumi/stacks/dockerfiles/test.json.attrs");
    assert.ok(fs.existsSync(metadata), "Pulumi's blob library keeps the state's metadata beside it");
    fs.writeFileSync(metadata, "");
    relabel("metadata");
    const refused = pulumi(p, "up", "--yes");
    assert.notEqual(await refused.done, 0);
    assert.match(refused.output(), /failed to load checkpoint: EOF/);
    const said = await recoverNow();
    assert.match(said, /the state's metadata \S+test\.json\.attrs is empty or cut short/);
    assert.match(said, /the broken metadata is kept as \S+test\.json\.attrs\.broken-/);
    const up = await p.stack.up();
    assert.equal(up.summary.result, "succeeded");
    assert.ok(fs.existsSync(metadata), "written again by the next write");
    await assertConverged("metadata");
  });
});
