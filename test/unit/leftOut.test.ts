import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { engineScope, excludable, excludeArgs, unchangedFoldersValue } from "../../src/plan/leftOut";
import { readEngineArgs } from "../../src/read/engineArgs";

const AT = { project: "dockerfiles", stack: "test" };
const FINGERPRINTS = { stack: "s", folders: { web: "w1", app: "a1", db: "d1" } };
/** What deploy.sh passes when `web` changed: the others' --exclude pairs and their fingerprints. */
const DEPLOY_ARGS = ["up", "--diff", ...excludeArgs("dockerfiles", "test", "app"), ...excludeArgs("dockerfiles", "test", "db"), "--message", "deployed by ops", "--yes"];
const DEPLOY_ENV = unchangedFoldersValue(FINGERPRINTS, ["app", "db"]);
const seen = (stack: string, folders: Record<string, string>): string => JSON.stringify({ stack, folders });
const scope = (args: string[] | undefined, env: string | undefined = DEPLOY_ENV): { leftOut: string[]; partial: boolean; changedSinceCheck: readonly string[] } => {
  const s = engineScope(args, env, AT, FINGERPRINTS);
  return { ...s, leftOut: [...s.leftOut].sort() };
};

describe("unchanged folders left out of the engine run", () => {
  it("leaves out a folder only when the CLI excludes its component and its children and the check saw its fingerprint", () => {
    assert.deepEqual(excludeArgs("dockerfiles", "test", "app"), ["--exclude", "urn:pulumi:test::dockerfiles::**::app", "--exclude", "urn:pulumi:test::dockerfiles::**::app/**"]);
    assert.equal(DEPLOY_ENV, seen("s", { app: "a1", db: "d1" }));
    assert.deepEqual(scope(DEPLOY_ARGS), { leftOut: ["app", "db"], partial: false, changedSinceCheck: [] });
    // pflag's other spelling.
    const joined = ["app", "db"].flatMap((f) => excludeArgs("dockerfiles", "test", f).filter((a) => a !== "--exclude").map((u) => `--exclude=${u}`));
    assert.deepEqual(scope(["up", ...joined]).leftOut, ["app", "db"]);
    // Without the check's fingerprints (a pair typed by hand): declared, and the run is partial.
    assert.deepEqual(scope(DEPLOY_ARGS, ""), { leftOut: [], partial: true, changedSinceCheck: [] });
    // Half a pair: the children would be left out and the component declared.
    assert.deepEqual(scope(["up", "--exclude", "urn:pulumi:test::dockerfiles::**::app", ...excludeArgs("dockerfiles", "test", "db")]), { leftOut: ["db"], partial: true, changedSinceCheck: [] });
    // Another stack's or project's pattern matches nothing here.
    assert.deepEqual(scope(["up", ...excludeArgs("dockerfiles", "prod", "app")]).leftOut, []);
  });

  it("stops the run when a folder left out, or the program, settings or commit, changed since the check", () => {
    assert.deepEqual(scope(DEPLOY_ARGS, seen("s", { app: "a0", db: "d1" })), { leftOut: [], partial: true, changedSinceCheck: ["services/app"] });
    assert.deepEqual(scope(DEPLOY_ARGS, seen("s0", { app: "a1", db: "d1" })).changedSinceCheck, ["the program, the stack's settings or the commit"]);
    // Where the CLI's arguments cannot be read, what the check saw is still compared.
    assert.deepEqual(scope(undefined, seen("s", { app: "a0", db: "d1" })), { leftOut: [], partial: false, changedSinceCheck: ["services/app"] });
    assert.deepEqual(scope(undefined), { leftOut: [], partial: false, changedSinceCheck: [] });
    // A value of another shape confirms nothing.
    assert.deepEqual(scope(DEPLOY_ARGS, "app=a1,db=d1"), { leftOut: [], partial: true, changedSinceCheck: [] });
  });

  it("takes any other narrowing of the run for a partial deploy, which records no fingerprints", () => {
    assert.deepEqual(scope(["up", "--yes"]), { leftOut: [], partial: false, changedSinceCheck: [] });
    for (const narrowing of [["--target", "urn:x"], ["--target=urn:x"], ["-t", "urn:x"], ["-yt", "urn:x"], ["--target-replace", "urn:x"], ["--exclude", "urn:pulumi:test::dockerfiles::**::web/**"], ["--exclude-dependents"]]) {
      assert.equal(scope([...DEPLOY_ARGS, ...narrowing]).partial, true, narrowing.join(" "));
    }
    // After `--`, nothing is a flag.
    assert.equal(scope([...DEPLOY_ARGS, "--", "--target", "urn:x"]).partial, false);
  });

  it("never leaves out a folder named like a stack-level resource, or whose name a URN pattern would read otherwise", () => {
    for (const f of ["web", "pica-pad", "pica.static_2"]) assert.equal(excludable(f), true, f);
    for (const f of ["record-key", "external", "host", "prod-destroy-guard", "a*b", "a b", "-x", ""]) assert.equal(excludable(f), false, f);
    const named = { stack: "s", folders: { external: "e1" } };
    assert.deepEqual([...engineScope(["up", ...excludeArgs("dockerfiles", "test", "external")], unchangedFoldersValue(named, ["external"]), AT, named).leftOut], []);
  });
});

describe("the CLI's arguments, read from /proc", () => {
  /** A fake /proc: each process's cmdline (NUL-separated) and stat (`pid (comm) state ppid …`). */
  function proc(processes: Record<number, { argv: string[]; comm: string; ppid: number }>): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "engine-args-"));
    for (const [pid, p] of Object.entries(processes)) {
      fs.mkdirSync(path.join(root, pid));
      fs.writeFileSync(path.join(root, pid, "cmdline"), `${p.argv.join("\0")}\0`);
      fs.writeFileSync(path.join(root, pid, "stat"), `${pid} (${p.comm}) S ${p.ppid} 1 1 0 -1`);
    }
    return root;
  }

  it("finds the pulumi command above the language host", () => {
    const root = proc({
      30: { argv: ["/root/.pulumi/bin/pulumi-language-nodejs", "127.0.0.1:1"], comm: "pulumi-language", ppid: 20 },
      20: { argv: ["/root/.pulumi/bin/pulumi", "up", "--exclude", "urn:a b", "--yes"], comm: "pulumi", ppid: 10 },
      10: { argv: ["bash", "scripts/deploy.sh"], comm: "bash", ppid: 1 },
    });
    assert.deepEqual(readEngineArgs(root, 30), ["up", "--exclude", "urn:a b", "--yes"]);
  });

  it("reads nothing where no pulumi command runs it, or a process is gone", () => {
    const root = proc({ 30: { argv: ["node", "--test"], comm: "node (x) y", ppid: 20 }, 20: { argv: ["bash"], comm: "bash", ppid: 1 } });
    assert.equal(readEngineArgs(root, 30), undefined);
    assert.equal(readEngineArgs(root, 99), undefined);
  });
});
