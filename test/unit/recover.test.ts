import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { lockVerdict, parseLock, pendingCreates, planPending } from "../../src/cli/recover";

const PROVIDER = "urn:pulumi:prod::dockerfiles::pulumi:providers:docker::host/deploy@pica02";
const deployment = {
  resources: [{ urn: PROVIDER, type: "pulumi:providers:docker", id: "p1", inputs: { host: "ssh://deploy@pica02" } }],
  pending_operations: [
    { type: "creating", resource: { urn: "urn:…::pica-pad/db", type: "docker:index/container:Container", provider: `${PROVIDER}::p1`, inputs: { name: "pica-pad-db", labels: [{ label: "dockerfiles.inputs", value: "h1" }] } } },
    { type: "creating", resource: { urn: "urn:…::pica-pad/db-volume", type: "docker:index/volume:Volume", inputs: { name: "pica-pad-db" } } },
    { type: "creating", resource: { urn: "urn:…::pica-pad/net", type: "docker:index/network:Network", inputs: { name: "pica-pad" } } },
    { type: "creating", resource: { urn: "urn:…::pica-pad/app/image", type: "command:local:Command", inputs: {} } },
    { type: "deleting", resource: { urn: "urn:…::old", type: "docker:index/container:Container", inputs: { name: "old" } } },
  ],
};

describe("recover after an interrupted deploy", () => {
  it("reads the pending creates with their kind, name, host and inputs hash; pending deletes are refresh's business", () => {
    const pending = pendingCreates(deployment);
    assert.deepEqual(pending.map((p) => [p.kind, p.name, p.host, p.inputsHash]), [
      ["container", "pica-pad-db", "ssh://deploy@pica02", "h1"],
      ["volume", "pica-pad-db", undefined, undefined],
      ["network", "pica-pad", undefined, undefined],
      ["other", undefined, undefined, undefined],
    ]);
  });

  it("removes the container the run made, imports its network, leaves the volume, never touches a stranger", () => {
    const pending = pendingCreates(deployment);
    const made = planPending(pending, (p) => ({ id: `id-${p.kind}`, inputsHash: p.kind === "container" ? "h1" : undefined }));
    assert.deepEqual(made.removals.map((r) => [r.id, r.host]), [["id-container", "ssh://deploy@pica02"]]);
    assert.deepEqual(made.imports.map((i) => [i.urn, i.id]), [["urn:…::pica-pad/net", "id-network"]]);
    assert.equal(made.cleared.length, 3, "the container, the volume and the command are cleared; the network imported");
    assert.match(made.cleared.find((c) => c.urn.endsWith("db-volume"))!.why, /data included/);

    const stranger = planPending(pending, (p) => (p.kind === "container" ? { id: "x", inputsHash: "other" } : undefined));
    assert.deepEqual(stranger.removals, []);
    assert.match(stranger.cleared[0].why, /not made by this deploy.*left alone/);
  });

  it("reads Pulumi's lock message and judges the lock", () => {
    const lock = parseLock("error: the stack is currently locked by 1 lock(s).\n  file:///x/.pulumi/locks/o/p/test/1.json: created by root@vm (pid 20937) at 2026-11-24T10:09:31Z");
    assert.ok(lock);
    assert.deepEqual(lock, { holder: "root@vm", machine: "vm", pid: 20937, since: "2026-11-24T10:09:31Z" });
    assert.equal(lockVerdict(lock, "vm", () => true), "running");
    assert.equal(lockVerdict(lock, "vm", () => false), "stale");
    assert.equal(lockVerdict(lock, "laptop", () => false), "elsewhere");
    assert.equal(parseLock("error: something else"), undefined);
  });
});
