import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { composeProjectNames, describeAdoption, matchFolder } from "../../src/adopt/match";
import { Inventory, LiveContainer } from "../../src/adopt/inventory";
import { MemoryFiles } from "../../src/read/files";
import { planDeployment } from "../../src/pipeline";
import { readSettings } from "../../src/settings";

/** The plan of one folder `Pica-Pad` with a db writing the volume `db` (no `name:`: compose names it). */
function padPlan(adopted: Record<string, unknown> = {}) {
  const config: Record<string, string> = { kind: "test", adopted: JSON.stringify(adopted) };
  const { settings } = readSettings("test", (k) => config[k]);
  const view = new MemoryFiles({
    "services/pica-pad/README.md": "# pad\n",
    "services/pica-pad/CHANGELOG.md": "# changes\n",
    "services/pica-pad/docker-compose.yml": [
      "services:",
      "  db:",
      "    image: postgres:16.4",
      "    container_name: pica-pad-db",
      "    volumes: [db:/var/lib/postgresql/data]",
      "volumes:",
      "  db: {}",
      "",
    ].join("\n"),
  });
  const plan = planDeployment({ settings: settings!, view, environment: () => undefined });
  assert.deepEqual(plan.problems.filter((p) => p.severity === "error"), []);
  return plan.services[0];
}

const container = (name: string, labels: Record<string, string>, volumes: string[] = []): LiveContainer => ({ id: `${name}-id-0123456789`, name, image: "postgres:16.4", state: "running", labels, volumes, networks: [] });
const compose = (project: string, service: string, dir = `/srv/${project}`) => ({ "com.docker.compose.project": project, "com.docker.compose.service": service, "com.docker.compose.project.working_dir": dir });
const inventory = (i: Partial<Inventory>): Inventory => ({ containers: [], volumes: [], networks: [], ...i });

describe("adoption: what compose made, mapped to what the program declares", () => {
  it("knows compose's project names for a folder: lower-cased, and without dashes before compose 1.21", () => {
    assert.deepEqual(composeProjectNames("Pica-Pad"), ["pica-pad", "picapad"]);
    assert.deepEqual(composeProjectNames("static"), ["static"]);
  });

  it("finds the volume under the default project, the pre-1.21 project and the one -p gave (by the working_dir label)", () => {
    const plan = padPlan();
    assert.equal(plan.volumes[0].name, "pica-pad_db");
    for (const [project, dir] of [["pica-pad", "/srv/pica-pad"], ["picapad", "/srv/pica-pad"], ["oldname", "/home/admin/Dockerfiles/pica-pad"]]) {
      const a = matchFolder(plan, inventory({
        containers: [container("pica-pad-db", compose(project, "db", dir), [`${project}_db`])],
        volumes: [{ name: `${project}_db`, labels: { "com.docker.compose.project": project, "com.docker.compose.volume": "db" }, size: "41MB" }],
      }));
      assert.deepEqual(a.refusals, [], project);
      assert.equal(a.volumes[0].existing?.name, `${project}_db`, project);
      assert.deepEqual(a.replaced.map((r) => [r.container.name, r.service]), [["pica-pad-db", "db"]]);
    }
  });

  it("refuses two candidate volumes, naming both and what to do", () => {
    const a = matchFolder(padPlan(), inventory({ volumes: [{ name: "pica-pad_db", labels: {} }, { name: "picapad_db", labels: {} }] }));
    assert.equal(a.refusals.length, 1);
    assert.match(a.refusals[0], /volumes\.db could be pica-pad_db \(size unknown\) or picapad_db .*pulumi config set --path 'adopted\["pica-pad"\]\.volumes\.db' <name>/);
  });

  it("refuses a declared name held by a container compose did not start for the folder, and a volume another container uses", () => {
    const a = matchFolder(padPlan(), inventory({
      containers: [container("pica-pad-db", {}), container("backup", {}, ["pica-pad_db"])],
      volumes: [{ name: "pica-pad_db", labels: {} }],
    }));
    assert.match(a.refusals.join("\n"), /container pica-pad-db .* holds the name of pica-pad\/db but was not started by compose/);
    assert.match(a.refusals.join("\n"), /volume pica-pad_db is in use by container backup/);
  });

  it("leaves alone and reports a compose service no longer in the file, and a volume the file does not declare", () => {
    const a = matchFolder(padPlan(), inventory({
      containers: [container("pica-pad-db", compose("pica-pad", "db")), container("pica-pad_old_1", compose("pica-pad", "old"))],
      volumes: [{ name: "pica-pad_db", labels: { "com.docker.compose.project": "pica-pad" } }, { name: "pica-pad_cache", labels: { "com.docker.compose.project": "pica-pad" } }],
    }));
    assert.deepEqual(a.refusals, []);
    const report = describeAdoption(a).join("\n");
    assert.match(report, /container pica-pad_old_1: compose service 'old' of project pica-pad is not in pica-pad\/docker-compose.yml: left running/);
    assert.match(report, /volume pica-pad_cache \(size unknown\): not declared by pica-pad\/docker-compose.yml; left alone/);
    assert.match(report, /container pica-pad-db \(running, postgres:16.4\) → replaced by the program's db, then health-checked/);
  });

  it("run again after an adoption, keeps the volume recorded then, though compose's containers are gone", () => {
    const a = matchFolder(padPlan(), inventory({ volumes: [{ name: "oldname_db", labels: {} }, { name: "pica-pad_db", labels: {} }] }), { db: "oldname_db" });
    assert.deepEqual(a.refusals, []);
    assert.equal(a.volumes[0].existing?.name, "oldname_db");
  });

  it("declares an adopted volume under its existing name, imported and retained, and mounts that one", () => {
    const plan = padPlan({ "pica-pad": { volumes: { db: "picapad_db" } } });
    assert.deepEqual({ name: plan.volumes[0].name, adopted: plan.volumes[0].adopted }, { name: "picapad_db", adopted: true });
    assert.equal(plan.containers[0].mounts.find((m) => m.volume)?.volume?.name, "picapad_db");
    const bad = readSettings("test", (k) => (k === "kind" ? "test" : k === "adopted" ? JSON.stringify({ "pica-pad": { volumes: { db: 3 } } }) : undefined));
    assert.match(bad.problems[0].message, /'adopted' must map service folders to \{volumes/);
  });
});
