import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { stableJson } from "../../src/environment/applyStack";
import { planDeployment } from "../../src/pipeline";
import { WorkingTree } from "../../src/read/files";
import { CHECKOUT_DIR, lastChange, readRevision, resolveRevision, RevisionError, uncommittedChanges } from "../../src/read/gitRevision";
import { openServiceSource } from "../../src/read/serviceSource";
import { readSettings, StackSettings } from "../../src/settings";

function sh(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.org", "-c", "advice.detachedHead=false", ...args], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

function settings(kind: "test" | "prod", extra: Record<string, string> = {}): StackSettings {
  const config: Record<string, string> = { kind, ...extra };
  if (kind === "prod") config.secrets = JSON.stringify({ svc: { app: { TOKEN: "real-token" } } });
  const r = readSettings(kind, (k) => config[k]);
  assert.ok(r.settings, JSON.stringify(r.problems));
  return r.settings;
}

const compose = (label: string): string => `services:
  app:
    image: registry.picasoft.net/svc:1.0.0
    build: .
    env_file: ./secrets/app.secrets
    volumes:
      - ./run.sh:/run.sh:ro
    labels:
      release: ${label}
`;

describe("deploying from a git revision", () => {
  let repo: string;
  const sha: Record<string, string> = {};

  before(() => {
    repo = fs.mkdtempSync(path.join(os.tmpdir(), "git-revision-"));
    sh(repo, "init", "-q", "-b", "main");
    const svc = path.join(repo, "services/svc");
    fs.mkdirSync(path.join(svc, "secrets"), { recursive: true });
    fs.writeFileSync(path.join(repo, ".gitignore"), "services/*/secrets/*.secrets\n.deploy/\n");
    fs.writeFileSync(path.join(svc, "docker-compose.yml"), compose("a"));
    fs.writeFileSync(path.join(svc, "Dockerfile"), "FROM debian:bookworm-slim\n");
    fs.writeFileSync(path.join(svc, "CHANGELOG.md"), "# 1.0.0\n");
    fs.writeFileSync(path.join(svc, "README.md"), "# svc\n");
    fs.writeFileSync(path.join(svc, "run.sh"), "#!/bin/sh\necho a\n", { mode: 0o755 });
    fs.writeFileSync(path.join(svc, "secrets/app.secrets.example"), "TOKEN=example\n");
    fs.writeFileSync(path.join(svc, "secrets/app.secrets"), "TOKEN=real-from-file\n");
    sh(repo, "add", "-A");
    sh(repo, "commit", "-qm", "A");
    sh(repo, "tag", "v1");
    sha.A = sh(repo, "rev-parse", "HEAD");
    fs.writeFileSync(path.join(svc, "docker-compose.yml"), compose("b"));
    fs.writeFileSync(path.join(svc, "run.sh"), "#!/bin/sh\necho b\n");
    sh(repo, "commit", "-qam", "B");
    sha.B = sh(repo, "rev-parse", "HEAD");
    fs.writeFileSync(path.join(svc, "README.md"), "# svc\n\nMore words.\n");
    sh(repo, "commit", "-qam", "C: README only");
    sha.C = sh(repo, "rev-parse", "HEAD");
  });

  after(() => fs.rmSync(repo, { recursive: true, force: true }));

  it("resolves commits, short commits, tags and branches", async () => {
    assert.equal((await resolveRevision(repo, "v1")).sha, sha.A);
    assert.equal((await resolveRevision(repo, sha.B.slice(0, 8))).sha, sha.B);
    assert.equal((await resolveRevision(repo, "main")).sha, sha.C);
    assert.equal((await resolveRevision(repo, "HEAD~1")).sha, sha.B);
  });

  it("says what to do with an unknown revision", async () => {
    await assert.rejects(resolveRevision(repo, "no-such-tag"), (e: Error) => e instanceof RevisionError && /unknown revision 'no-such-tag'.*git log --oneline/.test(e.message));
  });

  it("says when a shallow clone lacks the revision", async () => {
    const shallow = fs.mkdtempSync(path.join(os.tmpdir(), "shallow-"));
    try {
      sh(os.tmpdir(), "clone", "-q", "--depth", "1", `file://${repo}`, shallow);
      await assert.rejects(resolveRevision(shallow, sha.A), (e: Error) => /shallow: run 'git fetch --unshallow'/.test(e.message));
    } finally {
      fs.rmSync(shallow, { recursive: true, force: true });
    }
  });

  it("reads files as they were at the revision, executable bits included, without touching the working tree", async () => {
    const view = await readRevision(repo, sha.A, "services");
    assert.match(view.readBytes("services/svc/docker-compose.yml")!.toString(), /release: a/);
    assert.equal(view.readBytes("services/svc/run.sh")!.toString(), "#!/bin/sh\necho a\n");
    assert.equal(view.isExecutable?.("services/svc/run.sh"), true);
    assert.equal(view.kind("services/svc/secrets/app.secrets"), undefined, "real secrets are never in git");
    assert.deepEqual(view.list("services/svc"), ["CHANGELOG.md", "Dockerfile", "README.md", "docker-compose.yml", "run.sh", "secrets"]);
    assert.match(fs.readFileSync(path.join(repo, "services/svc/docker-compose.yml"), "utf8"), /release: b/);
  });

  it("knows the last commit that changed a folder", async () => {
    assert.equal(await lastChange(repo, sha.B, "services/svc"), sha.B);
    assert.equal(await lastChange(repo, sha.C, "services/svc/docker-compose.yml"), sha.B);
    assert.equal(await lastChange(repo, sha.A, "services/nothing"), undefined);
  });

  it("lists uncommitted changes, not git-ignored secrets", async () => {
    assert.deepEqual(await uncommittedChanges(repo, "services"), []);
    fs.appendFileSync(path.join(repo, "services/svc/README.md"), "draft\n");
    try {
      assert.deepEqual(await uncommittedChanges(repo, "services"), ["services/svc/README.md"]);
      await assert.rejects(openServiceSource(repo, settings("prod")), /uncommitted changes under services \(services\/svc\/README\.md\).*commit them, or set servicesRef/);
      // The test stack deploys a dirty working tree (and says so).
      const test = await openServiceSource(repo, settings("test"));
      assert.deepEqual(test.revision?.dirty, ["services/svc/README.md"]);
    } finally {
      sh(repo, "checkout", "--", "services/svc/README.md");
    }
  });

  it("deploys a revision with today's real secrets and build contexts at one stable checkout", async () => {
    const source = await openServiceSource(repo, settings("prod", { servicesRef: "v1" }));
    assert.equal(source.revision?.sha, sha.A);
    assert.equal(source.buildRoot, CHECKOUT_DIR);
    assert.equal(fs.readFileSync(path.join(repo, CHECKOUT_DIR, "services/svc/run.sh"), "utf8"), "#!/bin/sh\necho a\n");
    const plan = planDeployment({ settings: settings("prod", { servicesRef: "v1" }), view: source.view, environment: () => undefined, buildRoot: source.buildRoot });
    assert.deepEqual(plan.problems.filter((p) => p.severity === "error"), []);
    const svc = plan.services[0];
    assert.equal(svc.builtImages[0].context, ".deploy/checkout/services/svc");
    assert.equal(svc.containers[0].labels.release, "a");
    assert.equal(svc.containers[0].env.find((e) => e.name === "TOKEN")?.value, "real-token", "configured secret wins over the file");
    // Moving the checkout to another revision keeps the same path (no rebuild for an unchanged image).
    const again = await openServiceSource(repo, settings("prod", { servicesRef: sha.B }));
    assert.equal(again.buildRoot, CHECKOUT_DIR);
    assert.equal(fs.readFileSync(path.join(repo, CHECKOUT_DIR, "services/svc/run.sh"), "utf8"), "#!/bin/sh\necho b\n");
  });

  it("a commit that only edits a README plans exactly what the commit before it planned", async () => {
    const planAt = async (ref: string): Promise<string> => {
      const s = settings("test", { servicesRef: ref });
      const source = await openServiceSource(repo, s);
      return stableJson(planDeployment({ settings: s, view: source.view, environment: () => undefined, buildRoot: source.buildRoot }).services);
    };
    assert.equal(await planAt(sha.C), await planAt(sha.B));
    assert.notEqual(await planAt(sha.B), await planAt(sha.A));
  });

  it("refuses servicesRef outside a git repository", async () => {
    const plain = fs.mkdtempSync(path.join(os.tmpdir(), "not-git-"));
    try {
      await assert.rejects(openServiceSource(plain, settings("test", { servicesRef: "v1" })), /not a git repository/);
      const source = await openServiceSource(plain, settings("test"));
      assert.ok(source.view instanceof WorkingTree);
      assert.equal(source.revision, undefined);
    } finally {
      fs.rmSync(plain, { recursive: true, force: true });
    }
  });
});
