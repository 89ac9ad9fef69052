import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { docker, health, REPO_ROOT, skipReason, TEST_STACK_PASSPHRASE } from "./harness";

/**
 * The README's "Daily use" lines, typed one by one into a real interactive bash (in tmux) in a fresh
 * copy of the repository, as a newcomer would: the shell must survive a command that fails by design,
 * `pulumi up` is answered at its prompt, and the tree is clean afterwards. The copy's test stack
 * deploys only `pica-static` (it builds offline); the lines are the README's text, unchanged.
 */
function dailyUseLines(): string[] {
  const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Daily use"));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  assert.ok(block, "README has a sh block under Daily use");
  return block[1].split("\n").filter((l) => l.trim() !== "");
}

/** The tracked files of the repository as they are now, in a new git repository of their own. */
function freshCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "readme-"));
  const files = execFileSync("git", ["ls-files", "-z"], { cwd: REPO_ROOT, encoding: "utf8" }).split("\0").filter((f) => f !== "");
  for (const f of files) {
    if (!fs.existsSync(path.join(REPO_ROOT, f))) continue;
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.copyFileSync(path.join(REPO_ROOT, f), path.join(dir, f));
  }
  fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"));
  // This machine reaches no image registry: as the README says for such machines, the test stack
  // deploys only pica-static (committed in the copy, as a team would).
  const stackFile = path.join(dir, "Pulumi.test.yaml");
  fs.writeFileSync(stackFile, fs.readFileSync(stackFile, "utf8").replace("config:\n", "config:\n  dockerfiles:services:\n    - pica-static\n"));
  const git = (...args: string[]): string => execFileSync("git", args, { cwd: dir, encoding: "utf8" });
  git("init", "-q");
  fs.appendFileSync(path.join(dir, ".git/info/exclude"), "node_modules\n");
  git("add", "-A");
  git("-c", "user.name=readme", "-c", "user.email=readme@example.invalid", "commit", "-qm", "copy");
  return dir;
}

class Terminal {
  private readonly socket = `readme-${process.pid}`;
  readonly log: string;
  constructor(cwd: string) {
    this.log = path.join(cwd, "..", `${path.basename(cwd)}.terminal.log`);
    // A clean interactive bash: none of the test runner's Pulumi settings leak into it. It starts
    // a moment after the session, once its output is being logged.
    const start = path.join(cwd, "..", `${path.basename(cwd)}.shell.sh`);
    fs.writeFileSync(start, "sleep 1\nexec env -u PULUMI_BACKEND_URL -u PULUMI_CONFIG_PASSPHRASE -u PULUMI_CONFIG_PASSPHRASE_FILE PS1='@@rc=$?@@ $ ' bash --noprofile --norc -i\n");
    this.tmux("new-session", "-d", "-x", "220", "-y", "50", "-c", cwd, `bash ${start}`);
    this.tmux("pipe-pane", "-o", `cat >> '${this.log}'`);
  }
  private tmux(...args: string[]): string {
    return execFileSync("tmux", ["-L", this.socket, ...args], { encoding: "utf8" });
  }
  output(): string {
    return fs.existsSync(this.log) ? fs.readFileSync(this.log, "utf8") : "";
  }
  private prompts(): string[] {
    return [...this.output().matchAll(/@@rc=(\d+)@@/g)].map((m) => m[1]);
  }
  /** Types `line`, answers `answers` (pattern → keys) as they appear, and returns the exit code. */
  async run(line: string, seconds: number, answers: [RegExp, string][] = []): Promise<number> {
    await this.until(() => this.prompts().length > 0, 20, "the first prompt");
    const before = this.prompts().length;
    const start = this.output().length;
    this.tmux("send-keys", "-t", "0", "-l", line);
    this.tmux("send-keys", "-t", "0", "Enter");
    const pending = [...answers];
    await this.until(() => {
      const since = this.output().slice(start);
      if (pending.length > 0 && pending[0][0].test(since)) this.tmux("send-keys", "-t", "0", pending.shift()![1], "Enter");
      return this.prompts().length > before;
    }, seconds, line);
    return Number(this.prompts()[before]);
  }
  private async until(done: () => boolean, seconds: number, what: string): Promise<void> {
    for (let i = 0; i < seconds * 4; i++) {
      if (done()) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`timed out after ${seconds}s waiting for: ${what}\n${this.output().slice(-3000)}`);
  }
  close(): void {
    spawnSync("tmux", ["-L", this.socket, "kill-server"], { stdio: "ignore" });
  }
}

describe("the README's Daily use, typed into a real shell", { skip: skipReason("the README shell test") }, () => {
  let dir = "";
  let term: Terminal;
  before(() => {
    dir = freshCopy();
    term = new Terminal(dir);
  });
  after(() => {
    term?.close();
    // The stack's own destroy: it removes the proxy network only if it created it.
    spawnSync("bash", ["-c", `source scripts/setup.sh >/dev/null 2>&1 && PULUMI_CONFIG_PASSPHRASE=${TEST_STACK_PASSPHRASE} pulumi destroy --yes --stack test >/dev/null 2>&1`], { cwd: dir, env: { ...process.env, PULUMI_BACKEND_URL: `file://${dir}/.pulumi-state`, SKIP_TOOLCHAIN: "1" } });
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(term.log, { force: true });
    fs.rmSync(path.join(dir, "..", `${path.basename(dir)}.shell.sh`), { force: true });
  });

  it("every line works in order, the shell survives a failing check, and the tree stays clean", async () => {
    // The README deploys the real service names: never remove someone's own pica-static.
    assert.notEqual(spawnSync("docker", ["inspect", "pica-static"], { stdio: "ignore" }).status, 0, "a container named pica-static already runs on this engine; the README test deploys one: run it on another engine");
    // A check that fails by design; a plan of a stack never deployed announces changes (exit 2).
    const expected: Record<string, number> = { "npm run check -- --stack prod": 1, "npm run plan -- test": 2 };
    for (const line of dailyUseLines()) {
      const command = line.replace(/\s+#.*$/, "");
      const answers: [RegExp, string][] = command === "pulumi up" ? [[/Do you want to perform this update\?/, "yes"]] : [];
      const code = await term.run(line, command === "pulumi up" ? 300 : 180, answers);
      assert.equal(code, expected[command] ?? 0, `'${command}' exited ${code}:\n${term.output().slice(-3000)}`);
    }
    assert.match(term.output(), /check \(test stack\): \d+ service folder\(s\) read/);
    assert.match(term.output(), /test pica-static: deployed [0-9a-f]{12}/);
    assert.equal(docker("inspect", "--format", "{{.State.Status}}", "pica-static"), "running");
    assert.equal(health("pica-static"), "healthy");
    assert.equal(execFileSync("git", ["status", "--porcelain"], { cwd: dir, encoding: "utf8" }), "", "a deploy changes no tracked file");
  });
});
