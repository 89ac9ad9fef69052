import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { DeployedState } from "../../src/read/deployedState";
import { DockerView } from "../../src/read/dockerEngine";
import { changedSince, RecordingView } from "../../src/read/recordedReads";
import { compareWithDeployed, Expectation } from "../../src/plan/upToDate";

const EXPECTED: Expectation = {
  fingerprints: { stack: "s1", folders: { web: "w1", app: "a1" } },
  containers: [
    { folder: "web", name: "pica-web", inputsHash: "h-web", mayStop: false },
    { folder: "app", name: "pica-migrate", inputsHash: "h-migrate", mayStop: true },
  ],
  networks: [{ folder: "web", name: "proxy" }],
  volumes: [{ folder: "app", name: "pica-app-data" }],
};
const SETTLED: DeployedState = {
  fingerprints: EXPECTED.fingerprints, pendingOperations: 0, locks: 0, lastUpdate: { kind: "update", result: "succeeded" },
  resources: { containers: new Map([["pica-web", "h-web"], ["pica-migrate", "h-migrate"]]), networks: new Set(), volumes: new Set(["pica-app-data"]) },
};
function dockerWith(change: (d: { containers: Map<string, { labels: Record<string, string>; state: string; imageId: string }>; imageIds: Set<string>; networks: Set<string>; volumes: Set<string> }) => void = () => undefined): DockerView {
  const d = {
    containers: new Map([
      ["pica-web", { labels: { "dockerfiles.inputs": "h-web" }, state: "running", imageId: "sha256:1" }],
      ["pica-migrate", { labels: { "dockerfiles.inputs": "h-migrate" }, state: "exited", imageId: "sha256:2" }],
    ]),
    imageIds: new Set(["sha256:1", "sha256:2"]),
    networks: new Set(["proxy"]),
    volumes: new Set(["pica-app-data"]),
  };
  change(d);
  return d;
}
const reasons = (v: ReturnType<typeof compareWithDeployed>): readonly string[] => (v.upToDate ? [] : v.reasons);

describe("no-change check: the verdict", () => {
  it("nothing to do when fingerprints, state and Docker agree (a one-shot job may have stopped)", () => {
    assert.deepEqual(compareWithDeployed(EXPECTED, SETTLED, dockerWith()), { upToDate: true });
  });

  it("names each changed, new or dropped folder, and a change of program, settings or commit", () => {
    const v = compareWithDeployed({ ...EXPECTED, fingerprints: { stack: "s2", folders: { web: "w2", db: "d1" } } }, SETTLED, dockerWith());
    assert.deepEqual(v, { upToDate: false, refresh: false, reasons: ["the program, the stack's settings or the commit changed since the last up", "app: no longer deployed", "db: new service folder", "web: changed"], unchanged: [] });
  });

  it("names the folders the engine may leave out: deployed as the checkout has them, when only folders changed", () => {
    const webChanged: Expectation = { ...EXPECTED, fingerprints: { stack: "s1", folders: { web: "w2", app: "a1", db: "d1" } } };
    assert.deepEqual(compareWithDeployed(webChanged, SETTLED, dockerWith()), { upToDate: false, refresh: false, reasons: ["db: new service folder", "web: changed"], unchanged: ["app"] });
    const appDropped: Expectation = { ...EXPECTED, fingerprints: { stack: "s1", folders: { web: "w1" } }, containers: [EXPECTED.containers[0]], volumes: [] };
    assert.deepEqual(compareWithDeployed(appDropped, SETTLED, dockerWith()), { upToDate: false, refresh: false, reasons: ["app: no longer deployed"], unchanged: ["web"] });
    // None when the rest changed too, the state is not settled, or Docker drifted (the engine reads every folder back).
    const unchangedOf = (e: Expectation, s: DeployedState, d: DockerView): readonly string[] | undefined => {
      const v = compareWithDeployed(e, s, d);
      return v.upToDate ? undefined : v.unchanged;
    };
    assert.deepEqual(unchangedOf({ ...webChanged, fingerprints: { ...webChanged.fingerprints, stack: "s2" } }, SETTLED, dockerWith()), []);
    assert.deepEqual(unchangedOf(webChanged, { ...SETTLED, pendingOperations: 1 }, dockerWith()), []);
    assert.deepEqual(unchangedOf(webChanged, { ...SETTLED, lastUpdate: { kind: "update", result: "failed" } }, dockerWith()), []);
    assert.deepEqual(unchangedOf(webChanged, SETTLED, dockerWith((d) => d.volumes.delete("pica-app-data"))), []);
  });

  it("runs the engine when the state is not settled: a lock, pending operations, a failed last update, no fingerprints", () => {
    assert.match(reasons(compareWithDeployed(EXPECTED, { ...SETTLED, locks: 1 }, dockerWith())).join("\n"), /locked/);
    assert.match(reasons(compareWithDeployed(EXPECTED, { ...SETTLED, pendingOperations: 2 }, dockerWith())).join("\n"), /2 operation\(s\) pending/);
    assert.match(reasons(compareWithDeployed(EXPECTED, { ...SETTLED, lastUpdate: { kind: "update", result: "failed" } }, dockerWith())).join("\n"), /the last update failed/);
    assert.match(reasons(compareWithDeployed(EXPECTED, { ...SETTLED, fingerprints: undefined }, dockerWith())).join("\n"), /recorded no fingerprints/);
  });

  it("asks for a refresh when Docker drifted: a container gone, replaced by hand, stopped, its image gone; a network or volume gone", () => {
    const drifted = (change: Parameters<typeof dockerWith>[0]): string => {
      const v = compareWithDeployed(EXPECTED, SETTLED, dockerWith(change));
      assert.equal(v.upToDate, false);
      assert.equal(!v.upToDate && v.refresh, true);
      return reasons(v).join("\n");
    };
    assert.equal(drifted((d) => d.containers.delete("pica-web")), "web: container pica-web is gone");
    assert.match(drifted((d) => d.containers.set("pica-web", { labels: {}, state: "running", imageId: "sha256:1" })), /pica-web is not the one deployed/);
    assert.equal(drifted((d) => d.containers.set("pica-web", { labels: { "dockerfiles.inputs": "h-web" }, state: "exited", imageId: "sha256:1" })), "web: container pica-web is exited");
    assert.equal(drifted((d) => d.imageIds.delete("sha256:1")), "web: the image of container pica-web is gone");
    assert.equal(drifted((d) => d.networks.delete("proxy")), "web: network proxy is gone");
    assert.equal(drifted((d) => d.volumes.delete("pica-app-data")), "app: volume pica-app-data is gone");
  });

  it("in a folder changed since the last up, compares Docker with what the state holds, not with the checkout", () => {
    // web's compose file changed: its container will be replaced, and runs the deployed one until then.
    const changed: Expectation = {
      ...EXPECTED,
      fingerprints: { ...EXPECTED.fingerprints, folders: { ...EXPECTED.fingerprints.folders, web: "w2" } },
      containers: [{ ...EXPECTED.containers[0], inputsHash: "h-web-2" }, EXPECTED.containers[1], { folder: "web", name: "pica-web-cache", inputsHash: "h-cache", mayStop: false }],
      networks: [...EXPECTED.networks, { folder: "web", name: "pica-web-internal" }],
    };
    assert.deepEqual(compareWithDeployed(changed, SETTLED, dockerWith()), { upToDate: false, refresh: false, reasons: ["web: changed"], unchanged: ["app"] });
    // What the state holds is still checked: replaced by hand, or gone.
    const byHand = compareWithDeployed(changed, SETTLED, dockerWith((d) => d.containers.set("pica-web", { labels: { "dockerfiles.inputs": "h-web-2" }, state: "running", imageId: "sha256:1" })));
    assert.deepEqual(byHand, { upToDate: false, refresh: true, reasons: ["web: changed", "web: container pica-web is not the one deployed (its dockerfiles.inputs label differs)"], unchanged: [] });
    assert.deepEqual(reasons(compareWithDeployed(changed, SETTLED, dockerWith((d) => d.containers.delete("pica-web")))), ["web: changed", "web: container pica-web is gone"]);
    // A state that holds no inputs hash for a container (made by hand, or an older program) is drift.
    const unlabelled: DeployedState = { ...SETTLED, resources: { ...SETTLED.resources, containers: new Map([["pica-web", undefined], ["pica-migrate", "h-migrate"]]) } };
    assert.match(reasons(compareWithDeployed(EXPECTED, unlabelled, dockerWith())).join("\n"), /pica-web is not the one deployed/);
  });
});

describe("no-change check: what a computation read, compared by signature", () => {
  const digest = (v: string): string => `d(${v.length})`;
  function tree(): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "recorded-reads-"));
    fs.mkdirSync(path.join(root, "services/web"), { recursive: true });
    fs.writeFileSync(path.join(root, "services/web/docker-compose.yml"), "services: {}\n");
    return root;
  }
  function recorded(root: string, env: NodeJS.ProcessEnv = { SITE: "a" }) {
    const view = new RecordingView(root, digest);
    view.list("services");
    view.readBytes("services/web/docker-compose.yml");
    view.kind("services/web/.env");
    view.lookup(env)("SITE");
    // As if recorded three seconds later: the files were written long enough before to be trusted.
    return view.recorded(BigInt(Date.now() + 3000) * 1_000_000n)!;
  }

  it("reads the same when nothing changed", () => {
    const root = tree();
    assert.equal(changedSince(root, recorded(root), { SITE: "a" }, digest), undefined);
  });

  it("names a file written since (same size too), a file added, an entry added, a variable changed", () => {
    const root = tree();
    const reads = recorded(root);
    fs.writeFileSync(path.join(root, "services/web/docker-compose.yml"), "services: []\n");
    assert.equal(changedSince(root, reads, { SITE: "a" }, digest), "services/web/docker-compose.yml");
    const root2 = tree();
    const reads2 = recorded(root2);
    fs.writeFileSync(path.join(root2, "services/web/.env"), "X=1\n");
    assert.equal(changedSince(root2, reads2, { SITE: "a" }, digest), "services/web/.env");
    fs.mkdirSync(path.join(root2, "services/db"));
    assert.equal(changedSince(root2, reads2, { SITE: "a" }, digest), "the entries of services");
    assert.equal(changedSince(tree(), recorded(tree()), { SITE: "ab" }, digest), "environment variable SITE");
  });

  it("keeps nothing when a file read was written in the last two seconds (its next write could keep the same times)", () => {
    const root = tree();
    fs.writeFileSync(path.join(root, "services/web/docker-compose.yml"), "services: {}\n");
    const view = new RecordingView(root, digest);
    view.readBytes("services/web/docker-compose.yml");
    assert.equal(view.recorded(), undefined);
  });
});
