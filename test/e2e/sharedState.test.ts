import assert from "node:assert/strict";
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { PlannedChange, plannedChanges, rollback } from "../../src/cli/rollback";
import { state } from "../../src/cli/state";
import { status } from "../../src/cli/status";
import { readLocks, StackLock } from "../../src/state/locks";
import { openStackWorkspace, PROJECT, stackSettingsAndBackend } from "../../src/state/stackWorkspace";
import { copyFixture, docker, e2e, removeLeftovers, removeRunImages, REPO_ROOT, skipReason, TEST_STACK_PASSPHRASE } from "./harness";
import { rcloneMissing, S3Server, startS3Server } from "./s3Server";

/** The backend URL form the README documents, filled in for this server. */
function readmeBackendUrl(s3: S3Server, bucket: string): string {
  const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Shared state"));
  const form = /s3:\/\/BUCKET\?endpoint=http:\/\/HOST:PORT&use_path_style=true&region=REGION/.exec(section);
  assert.ok(form, "the README's Shared state section shows the S3 URL form");
  const { port } = new URL(s3.endpoint);
  return form[0].replace("BUCKET", bucket).replace("HOST", "127.0.0.1").replace("PORT", port).replace("REGION", "us-east-1");
}

interface Clone {
  readonly dir: string;
  git(...args: string[]): string;
}

interface Run {
  readonly code: number;
  readonly output: string;
}

/**
 * Shared state for real: two clones of one repository (two admins) on one bucket of a real S3 server
 * (rclone serve s3), deploying with scripts/deploy.sh as people do, and looking with npm run status.
 */
describe("shared state on a real S3 server", { skip: skipReason("shared state tests", rcloneMissing) }, () => {
  const CONTAINER = e2e("e2e-state-web");
  const FOLDER = e2e("e2e-state-web");
  const NETWORK = `${FOLDER}_default`;
  const SECRETS = { env: `state-env-${randomBytes(9).toString("hex")}`, file: `state-file-${randomBytes(9).toString("hex")}`, config: `state-config-${randomBytes(9).toString("hex")}` };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "dockerfiles-shared-state-"));
  const children = new Set<ChildProcess>();
  let s3: S3Server;
  let a: Clone;
  let b: Clone;

  /** The environment of an admin's shell: the bucket's keys and the test stack's passphrase, no backend. */
  const shellEnv = (): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...s3.keys, PULUMI_CONFIG_PASSPHRASE: TEST_STACK_PASSPHRASE, SKIP_TOOLCHAIN: "1", PULUMI_SKIP_UPDATE_CHECK: "true" };
    delete env.PULUMI_BACKEND_URL;
    return env;
  };
  const sh = (dir: string, script: string, opts: { onStart?: (child: ChildProcess) => void; detached?: boolean } = {}): Promise<Run> =>
    new Promise((resolve) => {
      const child = spawn("bash", ["-c", script], { cwd: dir, env: shellEnv(), stdio: ["ignore", "pipe", "pipe"], detached: opts.detached });
      children.add(child);
      let output = "";
      child.stdout.on("data", (d: Buffer) => (output += d.toString()));
      child.stderr.on("data", (d: Buffer) => (output += d.toString()));
      opts.onStart?.(child);
      child.on("close", (code) => {
        children.delete(child);
        resolve({ code: code ?? -1, output });
      });
    });
  const deploy = (c: Clone): Promise<Run> => sh(c.dir, "bash scripts/deploy.sh --yes");
  /** Runs in-process code with an admin's shell environment (the project's commands read process.env). */
  const inShell = async <T>(fn: () => Promise<T>): Promise<T> => {
    const saved = process.env;
    process.env = shellEnv();
    try {
      return await fn();
    } finally {
      process.env = saved;
    }
  };
  /** One of the project's commands, run in a clone as its admin would. */
  const cli = async (run: (out: (l: string) => void) => Promise<number>): Promise<Run> => {
    const lines: string[] = [];
    const code = await inShell(() => run((l) => lines.push(l)));
    return { code, output: lines.join("\n") };
  };
  const locks = (c: Clone): Promise<StackLock[]> => inShell(() => {
    const resolved = stackSettingsAndBackend(c.dir, "test");
    if (typeof resolved === "string") throw new Error(resolved);
    return readLocks(resolved.backend, PROJECT);
  });
  const untilLocked = async (c: Clone, seconds: number): Promise<StackLock[]> => {
    for (let i = 0; i < seconds * 10; i++) {
      const held = await locks(c);
      if (held.length > 0) return held;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no lock appeared on the stack within ${seconds} s`);
  };
  const containerIds = (): string[] => docker("ps", "-aq", "--no-trunc", "--filter", `label=dockerfiles.folder=${FOLDER}`).split("\n").filter((l) => l !== "");
  /** What a preview in a clone would change (the stack's own outputs aside). */
  const previewChanges = (c: Clone): Promise<PlannedChange[]> => inShell(async () => {
    const ws = await openStackWorkspace(c.dir, "test");
    if (typeof ws === "string") throw new Error(ws);
    const events: EngineEvent[] = [];
    await ws.stack.preview({ onEvent: (e) => events.push(e) });
    return plannedChanges(events);
  });

  /** A repository as a team has it: the program, the fixture service, a stack file naming `backend`. */
  const makeRepository = async (name: string, backend: string | undefined): Promise<Clone> => {
    const dir = path.join(work, name);
    fs.mkdirSync(dir);
    for (const f of ["index.ts", "Pulumi.yaml", "package.json", "package-lock.json", "tsconfig.json"]) fs.copyFileSync(path.join(REPO_ROOT, f), path.join(dir, f));
    for (const d of ["src", "scripts"]) fs.cpSync(path.join(REPO_ROOT, d), path.join(dir, d), { recursive: true });
    await copyFixture(path.join(REPO_ROOT, "test/fixtures/state"), path.join(dir, "services"), { STATE_SECRET_ENV: SECRETS.env, STATE_SECRET_FILE: SECRETS.file });
    fs.writeFileSync(path.join(dir, "Pulumi.test.yaml"), stackFile(backend));
    fs.writeFileSync(path.join(dir, ".gitignore"), "node_modules\n.pulumi-state/\n.state-backups/\n.deploy/\n");
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"));
    const clone = cloneAt(dir, "Admin A", "admin-a@example.invalid");
    clone.git("init", "-q");
    clone.git("add", "-A");
    clone.git("commit", "-qm", "the services");
    return clone;
  };
  const stackFile = (backend: string | undefined): string => {
    const committed = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.test.yaml"), "utf8");
    return backend ? committed.replace("config:\n", `config:\n  dockerfiles:state:\n    backend: ${JSON.stringify(backend)}\n    credentials: environment\n`) : committed;
  };
  const cloneAt = (dir: string, name: string, email: string): Clone => {
    const git = (...args: string[]): string => execFileSync("git", args, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
    if (fs.existsSync(path.join(dir, ".git"))) {
      git("config", "user.name", name);
      git("config", "user.email", email);
    }
    return {
      dir,
      git: (...args) => {
        if (args[0] === "init") {
          const out = git(...args);
          git("config", "user.name", name);
          git("config", "user.email", email);
          return out;
        }
        return git(...args);
      },
    };
  };
  const destroy = (dir: string, backend: string): Promise<Run> => sh(dir, `PULUMI_BACKEND_URL='${backend}' pulumi destroy --yes --stack test`);

  before(async () => {
    removeLeftovers([CONTAINER], [NETWORK], []);
    s3 = await startS3Server(["state", "state-move"]);
    a = await makeRepository("admin-a", readmeBackendUrl(s3, "state"));
    execFileSync("git", ["clone", "-q", a.dir, path.join(work, "admin-b")]);
    b = cloneAt(path.join(work, "admin-b"), "Admin B", "admin-b@example.invalid");
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(b.dir, "node_modules"));
  });
  after(async () => {
    for (const child of children) child.kill("SIGKILL");
    if (s3) {
      if (a) await destroy(a.dir, s3.backendUrl("state"));
      if (fs.existsSync(path.join(work, "mover"))) await destroy(path.join(work, "mover"), s3.backendUrl("state-move"));
      await s3.stop();
    }
    removeLeftovers([CONTAINER], [NETWORK], []);
    removeRunImages();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("shared state: a second admin's clone sees what the first deployed: no change in its preview, the revision and who deployed in its status", async () => {
    const deployed = await deploy(a);
    assert.equal(deployed.code, 0, deployed.output);
    assert.match(deployed.output, new RegExp(`state backend s3://state\\?endpoint=${s3.endpoint.replace(/[.]/g, "\\.")}`), "deploy.sh used the stack file's backend");
    assert.equal(containerIds().length, 1);
    assert.deepEqual(await previewChanges(b), [], "the second clone's preview shows no change");
    const shown = await cli((out) => status(["test"], b.dir, out));
    assert.equal(shown.code, 0, shown.output);
    assert.match(shown.output, /test: state in s3:\/\/state\?\S+ \(shared; from the stack file\)/);
    assert.match(shown.output, new RegExp(`test: last update: update succeeded at [-0-9: ]+ UTC \\([^)]*\\) by Admin A <admin-a@example\\.invalid> on ${os.hostname()}`), shown.output);
    assert.match(shown.output, new RegExp(`test ${FOLDER}: deployed ${a.git("rev-parse", "HEAD").slice(0, 12)} .*containers: in sync`), shown.output);
    assert.doesNotMatch(shown.output, /locked/);
  });

  it("shared state: two admins deploying at once: the second is refused with the holder of the lock, nothing is created twice", async () => {
    fs.writeFileSync(path.join(a.dir, "services", FOLDER, "docker-compose.yml"), fs.readFileSync(path.join(a.dir, "services", FOLDER, "docker-compose.yml"), "utf8").replace("https://state.picasoft.net", "https://state2.picasoft.net"));
    a.git("commit", "-qam", "another site URL");
    b.git("pull", "-q");
    const first = deploy(a);
    const held = await untilLocked(a, 90);
    const second = await deploy(b);
    const done = await first;
    assert.equal(done.code, 0, done.output);
    assert.notEqual(second.code, 0, second.output);
    const holder = held[0].holder.replace(/[.]/g, "\\.");
    assert.match(second.output, new RegExp(`deploy: test is locked by ${holder} \\(pid ${held[0].pid}\\) at \\S+: someone is deploying it; wait and run again`), second.output);
    assert.equal(containerIds().length, 1, "one container, not two");
    const exported = JSON.parse((await sh(b.dir, `PULUMI_BACKEND_URL='${s3.backendUrl("state")}' pulumi stack export --stack test`)).output.replace(/^[^{]*/, ""));
    assert.equal(exported.deployment.resources.filter((r: { type: string }) => r.type === "docker:index/container:Container").length, 1, "one container in the state");
    assert.match(docker("inspect", "--format", "{{range .Config.Env}}{{.}} {{end}}", CONTAINER), /SITE_URL=https:\/\/state2\.test\.picasoft\.net/);
    const again = await deploy(b);
    assert.equal(again.code, 0, again.output);
    assert.equal(containerIds().length, 1);
  });

  it("shared state: an up killed mid-way leaves a lock; status says what to check first, then the command that clears it", async () => {
    let child: ChildProcess | undefined;
    const killed = sh(a.dir, `PULUMI_BACKEND_URL='${s3.backendUrl("state")}' exec pulumi up --yes --skip-preview --stack test`, { detached: true, onStart: (c) => (child = c) });
    const held = await untilLocked(a, 90);
    process.kill(-child!.pid!, "SIGKILL");
    await killed;
    assert.equal((await locks(a)).length, 1, "the lock stays");
    const shown = await cli((out) => status(["test"], b.dir, out));
    const lines = shown.output.split("\n");
    const lockLine = lines.findIndex((l) => l.startsWith(`test: locked by ${held[0].holder} (pid ${held[0].pid}) since `));
    const check = lines.findIndex((l) => /^test: check first: is anyone deploying test\? Ask \S+, or on that machine: ps -p \d+/.test(l));
    const clear = lines.findIndex((l) => l.includes("pulumi cancel --stack test --yes"));
    assert.ok(lockLine >= 0 && check > lockLine && clear > check, shown.output);
    const command = /clear it: (.*)$/.exec(lines[clear])![1];
    assert.equal(command, `PULUMI_BACKEND_URL='${s3.backendUrl("state")}' pulumi cancel --stack test --yes`);
    const cleared = await sh(b.dir, command);
    assert.equal(cleared.code, 0, cleared.output);
    assert.deepEqual(await locks(a), [], "the lock is gone");
    const after = await deploy(b);
    assert.equal(after.code, 0, after.output);
    assert.equal(containerIds().length, 1);
  });

  it("shared state: the bucket's objects hold no secret in plaintext", async () => {
    const set = await sh(a.dir, `PULUMI_BACKEND_URL='${s3.backendUrl("state")}' pulumi config set --secret --stack test someToken ${SECRETS.config}`);
    assert.equal(set.code, 0, set.output);
    a.git("commit", "-qam", "a secret in the stack's config");
    b.git("pull", "-q");
    const deployed = await deploy(a);
    assert.equal(deployed.code, 0, deployed.output);
    assert.match(docker("inspect", "--format", "{{range .Config.Env}}{{.}} {{end}}", CONTAINER), new RegExp(`WEB_PASSWORD=${SECRETS.env}`), "the container has the secret");
    const objects = s3.objects("state");
    assert.ok(objects.some((f) => f.includes("/.pulumi/history/")), "the history stays in the bucket");
    const text = objects.map((f) => fs.readFileSync(f, "utf8")).join("\n");
    assert.match(text, /ciphertext/, "the secrets are in the bucket, encrypted");
    for (const [what, value] of Object.entries({ ...SECRETS, s3SecretKey: s3.keys.AWS_SECRET_ACCESS_KEY })) {
      assert.ok(!text.includes(value), `${what} is not in the bucket in plaintext`);
      assert.ok(!text.includes(Buffer.from(value).toString("base64")), `${what} is not in the bucket in base64`);
    }
  });

  it("shared state: a rollback from the other clone runs on the shared backend, and the first clone's status says who ran it", async () => {
    const first = b.git("rev-list", "--max-parents=0", "HEAD");
    const ids = containerIds();
    const rolled = await cli((out) => rollback(["test", first, "--yes"], b.dir, out, () => undefined));
    assert.equal(rolled.code, 0, rolled.output);
    assert.match(docker("inspect", "--format", "{{range .Config.Env}}{{.}} {{end}}", CONTAINER), /SITE_URL=https:\/\/state\.test\.picasoft\.net/);
    assert.notDeepEqual(containerIds(), ids, "the container was replaced");
    assert.equal(containerIds().length, 1);
    const shown = await cli((out) => status(["test"], a.dir, out));
    assert.match(shown.output, new RegExp(`test: last update: update succeeded at [-0-9: ]+ UTC \\([^)]*\\) by Admin B <admin-b@example\\.invalid> on `), shown.output);
    assert.match(shown.output, new RegExp(`test ${FOLDER}: deployed ${first.slice(0, 12)}`), shown.output);
  });

  it("shared state: a backup restores a stack whose state was lost, and the preview then shows no change", async () => {
    const file = path.join(work, "test-backup.json");
    const saved = await cli((out) => state(["backup", "test", file], b.dir, out));
    assert.equal(saved.code, 0, saved.output);
    assert.match(saved.output, /saved in .*test-backup\.json/);
    for (const v of Object.values(SECRETS)) assert.ok(!fs.readFileSync(file, "utf8").includes(v), "the backup holds the secrets encrypted");
    const ids = containerIds();
    const lost = await sh(b.dir, `PULUMI_BACKEND_URL='${s3.backendUrl("state")}' pulumi stack rm test --force --preserve-config --yes`);
    assert.equal(lost.code, 0, lost.output);
    const gone = await cli((out) => status(["test"], b.dir, out));
    assert.match(gone.output, /test: stack 'test' does not exist in s3:\/\/state/);
    const restored = await cli((out) => state(["restore", "test", file, "--yes"], b.dir, out));
    assert.equal(restored.code, 0, restored.output);
    assert.match(restored.output, /restored from .*test-backup\.json/);
    assert.match(restored.output, /the preview shows no change/);
    assert.deepEqual(containerIds(), ids, "nothing was touched");
    // A restore over an existing stack saves the state it replaces first.
    const over = await cli((out) => state(["restore", "test", file, "--yes"], b.dir, out));
    assert.equal(over.code, 0, over.output);
    assert.match(over.output, /the state it replaced is in \.state-backups\/test-\d+T\d+Z-before-restore\.json/);
  });

  it("shared state: moving a stack from the file backend to the shared one replaces nothing (the preview after the move is empty)", async () => {
    const gone = await destroy(a.dir, s3.backendUrl("state"));
    assert.equal(gone.code, 0, gone.output);
    assert.equal(containerIds().length, 0);
    const mover = await makeRepository("mover", undefined);
    const local = await deploy(mover);
    assert.equal(local.code, 0, local.output);
    assert.match(local.output, new RegExp(`state backend file://${mover.dir.replace(/[.]/g, "\\.")}/\\.pulumi-state`));
    const ids = containerIds();
    assert.equal(ids.length, 1);
    fs.writeFileSync(path.join(mover.dir, "Pulumi.test.yaml"), stackFile(readmeBackendUrl(s3, "state-move")));
    mover.git("commit", "-qam", "the test stack's state on the shared backend");
    const moved = await cli((out) => state(["move", "test"], mover.dir, out));
    assert.equal(moved.code, 0, moved.output);
    assert.match(moved.output, /moved test \(\d+ resources\) from file:\/\/\S+\/\.pulumi-state to s3:\/\/state-move/);
    assert.match(moved.output, /the preview on s3:\/\/state-move\S* shows no change: nothing will be replaced/);
    assert.deepEqual(containerIds(), ids, "the container is the same one");
    const again = await deploy(mover);
    assert.equal(again.code, 0, again.output);
    assert.match(again.output, /state backend s3:\/\/state-move/);
    assert.deepEqual(containerIds(), ids, "an up on the shared backend replaces nothing either");
  });
});
