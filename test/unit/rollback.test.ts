import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { plannedChanges, protectedVolumesRefused, rollback, summariseByService, volumesAtRisk } from "../../src/cli/rollback";

function pre(type: string, name: string, op: string): EngineEvent {
  return { sequence: 0, timestamp: 0, resourcePreEvent: { metadata: { op, urn: `urn:pulumi:prod::dockerfiles::dockerfiles:service:Service$${type}::${name}`, type, provider: "" } } } as unknown as EngineEvent;
}

describe("rollback's reading of a preview", () => {
  it("finds the protected volumes the engine refused to replace or delete, and only volumes", () => {
    const engine = [
      'error: unable to replace resource "urn:pulumi:prod::dockerfiles::dockerfiles:service:Service$docker:index/volume:Volume::pica-pad/db"',
      "as it is currently marked for protection.",
      'error: unable to delete resource "urn:pulumi:prod::dockerfiles::dockerfiles:stack:DestroyGuard::prod-destroy-guard"',
      'error: unable to delete resource "urn:pulumi:prod::dockerfiles::dockerfiles:service:Service$docker:index/volume:Volume::pica-mattermost/data"',
    ].join("\n");
    assert.deepEqual(protectedVolumesRefused(engine), [
      { name: "pica-pad/db", type: "docker:index/volume:Volume", op: "replace" },
      { name: "pica-mattermost/data", type: "docker:index/volume:Volume", op: "delete" },
    ]);
    assert.deepEqual(protectedVolumesRefused("error: preview failed"), []);
  });

  const events = [
    pre("pulumi:pulumi:Stack", "dockerfiles-prod", "same"),
    pre("docker:index/container:Container", "pica-pad/app", "replace"),
    pre("docker:index/container:Container", "pica-pad/db", "same"),
    pre("docker:index/image:Image", "pica-static/web", "update"),
    pre("docker:index/volume:Volume", "pica-pad/db", "replace"),
    pre("docker:index/volume:Volume", "pica-mattermost/data", "delete"),
    pre("docker:index/volume:Volume", "pica-static/cache", "create"),
  ];

  it("keeps only what changes", () => {
    const changes = plannedChanges(events);
    assert.deepEqual(changes.map((c) => `${c.name} ${c.op}`), ["pica-pad/app replace", "pica-static/web update", "pica-pad/db replace", "pica-mattermost/data delete", "pica-static/cache create"]);
  });

  it("finds the volumes whose data would be lost, not new ones", () => {
    assert.deepEqual(volumesAtRisk(plannedChanges(events)).map((v) => v.name), ["pica-pad/db", "pica-mattermost/data"]);
  });

  it("says per service what changes", () => {
    assert.deepEqual(summariseByService(plannedChanges(events.slice(0, 4))), ["  pica-pad: app (replace)", "  pica-static: web (update)"]);
    // The steps of one replacement read as "replace".
    const steps = ["delete-replaced", "replace", "create-replacement"].map((op) => pre("command:local:Command", "pica-static/web/image", op));
    assert.deepEqual(summariseByService(plannedChanges(steps)), ["  pica-static: web/image (replace)"]);
  });
});

describe("the rollback command", () => {
  const root = path.resolve(__dirname, "../..");
  it("explains its usage", async () => {
    const lines: string[] = [];
    assert.equal(await rollback(["test"], root, (l) => lines.push(l)), 2);
    assert.match(lines[0], /usage: npm run rollback -- <stack> <revision> \[--yes\]/);
  });
  it("refuses an unknown revision before touching any stack", async () => {
    const lines: string[] = [];
    assert.equal(await rollback(["prod", "no-such-revision-xyz"], root, (l) => lines.push(l)), 1);
    assert.match(lines[0], /rollback: unknown revision 'no-such-revision-xyz'/);
  });
});
