import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { explainPulumiError } from "../../src/cli/pulumiErrors";
import { readSettings } from "../../src/settings";
import { backendMismatch, exportLines, retryTruncatedReads, stackBackend } from "../../src/state/backend";
import { deployerOf, updateMessage } from "../../src/state/deployer";
import { isLockOf, lockAdvice, parseLock } from "../../src/state/locks";
import { parseBackendUrl, readStateSettings } from "../../src/state/stateSettings";
import { describeLastUpdate, lastUpdate } from "../../src/state/update";

const config = (c: Record<string, unknown>) => (k: string) => (c[k] === undefined ? undefined : typeof c[k] === "string" ? c[k] : JSON.stringify(c[k]));
const S3 = "s3://pulumi-state?endpoint=http://127.0.0.1:9000&use_path_style=true&region=us-east-1";
const env = (vars: Record<string, string>) => (name: string) => vars[name];

function settings(stack: string, state?: unknown) {
  const read = readSettings(stack, config(state === undefined ? {} : { state }));
  assert.ok(read.settings, read.problems.map((p) => p.message).join("\n"));
  return read.settings;
}

describe("the state setting", () => {
  it("reads backend, credentials and requireShared; defaults to the environment's keys", () => {
    assert.deepEqual(readStateSettings({ backend: S3, credentials: "profile:picasoft", requireShared: true }), {
      state: { backend: S3, credentials: { from: "profile", profile: "picasoft" }, requireShared: true },
      problems: [],
    });
    assert.deepEqual(readStateSettings(undefined).state, { credentials: { from: "environment" }, requireShared: false });
    assert.deepEqual(settings("prod", { backend: S3 }).state, { backend: S3, credentials: { from: "environment" }, requireShared: false });
  });

  it("refuses keys in the stack file, unknown fields and malformed values, naming the key", () => {
    const r = readSettings("prod", config({ state: { backend: S3, credentials: "AKIA123:secret", requireShared: "yes", password: "x" } }));
    const messages = r.problems.map((p) => `${p.file}: ${p.message}`).join("\n");
    assert.equal(r.settings, undefined);
    assert.match(messages, /Pulumi\.prod\.yaml: config key 'state' has no 'password'/);
    assert.match(messages, /'state\.credentials' must be 'environment' .* or 'profile:NAME' .*the keys themselves never go in the stack file/);
    assert.match(messages, /'state\.requireShared' must be true or false, not "yes"/);
    assert.match(readSettings("prod", config({ state: "s3://x" })).problems[0].message, /config key 'state' must be structured/);
    assert.match(readSettings("prod", config({ state: ["s3://x"] })).problems[0].message, /config key 'state' must be \{backend: a URL such as s3:\/\/BUCKET\?endpoint=http:\/\/HOST:PORT/);
  });

  it("finds an S3 endpoint without its scheme (the client would speak HTTPS to a plain-HTTP server)", () => {
    const r = readSettings("prod", config({ state: { backend: "s3://pulumi-state?endpoint=minio.example:9000&use_path_style=true" } }));
    assert.match(r.problems[0].message, /'state\.backend' has the endpoint 'minio\.example:9000' without its scheme: write endpoint=http:\/\/minio\.example:9000/);
  });
});

describe("backend URLs", () => {
  it("parses the README's S3 form, with a prefix", () => {
    assert.deepEqual(parseBackendUrl(S3), { kind: "s3", bucket: "pulumi-state", prefix: "", endpoint: "http://127.0.0.1:9000", region: "us-east-1", pathStyle: true });
    assert.deepEqual(parseBackendUrl("s3://b/team/prod?region=eu-west-3"), { kind: "s3", bucket: "b", prefix: "team/prod", endpoint: undefined, region: "eu-west-3", pathStyle: false });
  });

  it("knows file, other buckets and services; refuses what Pulumi would not take", () => {
    assert.deepEqual(parseBackendUrl("file:///srv/state"), { kind: "file", directory: "/srv/state" });
    assert.deepEqual(parseBackendUrl("gs://bucket"), { kind: "bucket", url: "gs://bucket" });
    assert.deepEqual(parseBackendUrl("https://api.pulumi.com"), { kind: "service", url: "https://api.pulumi.com" });
    const refusal = (url: string): string => {
      const parsed = parseBackendUrl(url);
      assert.equal(typeof parsed, "string", url);
      return parsed as string;
    };
    assert.match(refusal("file://"), /must name a directory/);
    assert.match(refusal("minio:9000/bucket"), /is not a state backend Pulumi knows/);
    assert.match(refusal("s3://?region=x"), /names no bucket|is not a URL/);
  });
});

describe("the stack's backend", () => {
  it("takes the stack file's backend first, then PULUMI_BACKEND_URL, then the embedded directory", () => {
    assert.equal(stackBackend("/repo", settings("test"), env({})).url, "file:///repo/.pulumi-state");
    assert.equal(stackBackend("/repo", settings("test"), env({})).origin, "the embedded default");
    assert.equal(stackBackend("/repo", settings("test"), env({ PULUMI_BACKEND_URL: "file:///elsewhere" })).url, "file:///elsewhere");
    const shared = stackBackend("/repo", settings("prod", { backend: S3 }), env({ PULUMI_BACKEND_URL: "file:///elsewhere", AWS_ACCESS_KEY_ID: "k", AWS_SECRET_ACCESS_KEY: "s" }));
    assert.equal(shared.url, S3);
    assert.deepEqual(shared.env, { PULUMI_BACKEND_URL: S3 });
    assert.deepEqual(shared.problems, []);
  });

  it("warns of prod on a file backend (the state on one laptop); requireShared makes it an error", () => {
    const [warned] = stackBackend("/repo", settings("prod"), env({})).problems;
    assert.equal(warned.severity, "warning");
    assert.match(warned.message, /the state of prod is in file:\/\/\/repo\/\.pulumi-state, on this machine only: another admin's pulumi up would not see what this one deployed/);
    const [refused] = stackBackend("/repo", settings("prod", { requireShared: true }), env({})).problems;
    assert.equal(refused.severity, "error");
    assert.match(refused.message, /state\.requireShared is true/);
    assert.deepEqual(stackBackend("/repo", settings("test"), env({})).problems, [], "the test stack on one's own machine is fine");
  });

  it("says which keys are missing, and never prints a key in the exports", () => {
    const missing = stackBackend("/repo", settings("prod", { backend: S3 }), env({}));
    assert.match(missing.problems[0].message, /export AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=…/);
    const withKeys = stackBackend("/repo", settings("prod", { backend: S3 }), env({ AWS_ACCESS_KEY_ID: "AKIAKEY", AWS_SECRET_ACCESS_KEY: "very-secret" }));
    assert.deepEqual(exportLines(withKeys), [`export PULUMI_BACKEND_URL='${S3}'`, "# keys: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from this shell (state.credentials: environment)"]);
    const profile = stackBackend("/repo", settings("prod", { backend: S3, credentials: "profile:ops" }), env({}));
    assert.deepEqual(profile.problems, []);
    assert.deepEqual(exportLines(profile), [`export PULUMI_BACKEND_URL='${S3}'`, "export AWS_PROFILE=ops"]);
  });

  it("refuses a pulumi running on another backend than the stack file's", () => {
    const shared = stackBackend("/repo", settings("prod", { backend: S3, credentials: "profile:ops" }), env({}));
    assert.equal(backendMismatch(shared, S3), undefined);
    assert.equal(backendMismatch(shared, undefined), undefined);
    assert.match(backendMismatch(shared, "file:///repo/.pulumi-state")!.message, /lives in s3:\/\/pulumi-state.* but this pulumi runs with PULUMI_BACKEND_URL=file:\/\/\/repo\/\.pulumi-state: run source scripts\/setup\.sh --stack prod/);
    assert.equal(backendMismatch(stackBackend("/repo", settings("test"), env({})), "file:///x"), undefined, "no state.backend: nothing to compare");
  });
});

describe("locks and updates", () => {
  const lockJson = JSON.stringify({ pid: 4242, username: "alice", hostname: "laptop", timestamp: "2026-11-24T10:00:00Z" });

  it("recognises the stack's lock objects and reads who holds them", () => {
    assert.ok(isLockOf("organization/dockerfiles/prod/6c1f.json", "dockerfiles", "prod"));
    assert.ok(isLockOf("prod/6c1f.json", "dockerfiles", "prod"), "the older layout");
    assert.ok(!isLockOf("organization/dockerfiles/test/6c1f.json", "dockerfiles", "prod"));
    assert.ok(!isLockOf("organization/other/prod/6c1f.json", "dockerfiles", "prod"));
    assert.deepEqual(parseLock("k", lockJson), { key: "k", holder: "alice@laptop", pid: 4242, since: new Date("2026-11-24T10:00:00Z") });
    assert.equal(parseLock("k", "{trunc"), undefined);
  });

  it("says what to check first, then the exact command that clears the lock on the stack's backend", () => {
    const backend = stackBackend("/repo", settings("prod", { backend: S3, credentials: "profile:ops" }), env({}));
    const advice = lockAdvice(backend, [parseLock("k", lockJson)!], new Date("2026-11-24T10:30:00Z"));
    assert.match(advice[0], /^locked by alice@laptop \(pid 4242\) since 2026-11-24 10:00:00 UTC \(30 min ago\)/);
    assert.match(advice[1], /^check first: is anyone deploying prod\? Ask alice@laptop, or on that machine: ps -p 4242/);
    assert.equal(advice[2], `if nobody is (an update killed mid-way), clear it: PULUMI_BACKEND_URL='${S3}' AWS_PROFILE=ops pulumi cancel --stack prod --yes`);
    assert.deepEqual(lockAdvice(backend, [], new Date()), []);
  });

  it("explains a refused update in one line naming the holder", () => {
    const pulumi = "code: 255\n stderr: error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n  s3://state/.pulumi/locks/organization/dockerfiles/prod/x.json: created by alice@laptop (pid 4242) at 2026-11-24T10:00:00Z\n";
    assert.equal(explainPulumiError(new Error(pulumi), "prod"), "stack 'prod' is locked by alice@laptop (pid 4242, since 2026-11-24T10:00:00Z): someone is deploying it; wait and run again (npm run status -- prod says what to check if nobody is)");
  });

  it("records who deployed in the update message and reads it back from the history", () => {
    assert.equal(updateMessage("deploy", "Alice <a@x> on laptop"), "deploy by Alice <a@x> on laptop");
    assert.equal(deployerOf("rollback to 3f2c9e1aa001 by Bob on pc"), "Bob on pc");
    assert.equal(deployerOf("Fix the pad's healthcheck"), undefined, "a plain pulumi up records the commit's message");
    const u = lastUpdate([
      { kind: "update", startTime: new Date("2026-11-24T09:00:00Z"), endTime: new Date("2026-11-24T09:01:00Z"), message: "deploy by Bob on pc", result: "succeeded", version: 1, environment: {}, config: {} },
      { kind: "update", startTime: new Date("2026-11-24T10:00:00Z"), endTime: new Date("2026-11-24T10:02:00Z"), message: "deploy by Alice <a@x> on laptop", result: "succeeded", version: 2, environment: { "git.head": "abc" }, config: {} },
    ]);
    assert.equal(describeLastUpdate(u, new Date("2026-11-24T10:05:00Z")), "last update: update succeeded at 2026-11-24 10:02:00 UTC (3 min ago) by Alice <a@x> on laptop");
    assert.equal(describeLastUpdate(undefined, new Date()), "last update: none recorded");
  });

  it("runs an operation again when the server cut a read short, and only then", async () => {
    let calls = 0;
    const flaky = (): Promise<string> => (++calls < 3 ? Promise.reject(new Error("2 errors occurred:\n\t* unexpected EOF\n\t* Unknown")) : Promise.resolve("done"));
    const retried: number[] = [];
    assert.equal(await retryTruncatedReads(flaky, (n) => retried.push(n)), "done");
    assert.deepEqual(retried, [1, 2]);
    let other = 0;
    await assert.rejects(retryTruncatedReads(() => Promise.reject(new Error(`currently locked ${++other}`))), /currently locked 1/);
    assert.equal(other, 1);
  });
});
