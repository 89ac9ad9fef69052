import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { CONTAINER, Declared, envs, commandEnv, COMMAND, find, isSecret, labels, PROD_SECRETS as SECRETS, runProgram, unwrap, uploads, VOLUME } from "./recorder";

describe("prod stack over the example services (mocks)", () => {
  let d: Declared;
  before(async () => {
    d = await runProgram(
      "prod",
      { kind: "prod", registry: { server: "registry.picasoft.net", username: "deploy", password: "registry-pass" }, secrets: SECRETS, traefikOutsideDocker: true },
      { secretKeys: ["secrets", "registry"] },
    );
  });

  it("pushes home-built images to the registry with credentials as secrets", () => {
    const img = find(d, COMMAND, "pica-static/web/image");
    const env = commandEnv(img);
    assert.equal(env.PUSH, "1");
    assert.equal(env.REGISTRY, "registry.picasoft.net");
    assert.equal(env.REGISTRY_USER, "deploy");
    assert.equal(env.REGISTRY_PASSWORD, "registry-pass");
    assert.ok(isSecret(img.inputs.environment) || isSecret(img.inputs.environment.REGISTRY_PASSWORD), "the registry password is a Pulumi secret");
  });

  it("protects and retains every data volume", () => {
    const volumes = d.resources.filter((r) => r.type === VOLUME);
    assert.equal(volumes.length, 3);
    for (const v of volumes) {
      assert.equal(v.options.protect, true, v.name);
      assert.equal(v.options.retainOnDelete, true, v.name);
    }
  });

  it("snapshots each data volume written by a container just before that container is replaced, and only then", () => {
    const snapshots = d.resources.filter((r) => r.type === COMMAND && /\/snapshot-/.test(r.name)).map((r) => r.name).sort();
    // Read-only mounts and bind mounts take none; a volume written by one container, one snapshot.
    assert.deepEqual(snapshots, ["pica-mattermost/db/snapshot-db", "pica-mattermost/mattermost/snapshot-data", "pica-pad/db/snapshot-db"]);
    const snap = find(d, COMMAND, "pica-pad/db/snapshot-db");
    const db = find(d, CONTAINER, "pica-pad/db");
    const hash = labels(db)["dockerfiles.inputs"];
    assert.deepEqual(unwrap(snap.inputs.triggers), [hash], "triggered by the inputs that replace the container");
    const env = commandEnv(snap);
    assert.equal(env.CONTAINER, "pica-pad-db");
    assert.equal(env.INPUTS, hash, "a no-op when the container already runs these inputs");
    assert.equal(env.VOLUME, "pica-pad-db");
    assert.equal(env.DIRECTORY, "/var/backups/dockerfiles/prod", "the prod default");
    assert.equal(env.KEEP, "5");
    assert.ok(db.options.dependsOn.includes(`${COMMAND}::pica-pad/db/snapshot-db`), "the container is replaced after its snapshot");
  });

  it("replaces the routed stateless site start-first on the external proxy network, the database stop-first", () => {
    const web = find(d, CONTAINER, "pica-static/web");
    assert.equal(web.options.deleteBeforeReplace, false);
    assert.ok(web.options.dependsOn.includes(`${COMMAND}::pica-static/web/make-way`));
    const handover = commandEnv(find(d, COMMAND, "pica-static/web/handover"));
    assert.deepEqual([handover.STACK, handover.FOLDER, handover.SERVICE, handover.SETTLE], ["prod", "pica-static", "web", "3"]);
    assert.equal(handover.TRAEFIK_OUTSIDE_DOCKER, "true", "traefikOutsideDocker: the handover runs whatever mounts the engine's socket");
    const networks = web.inputs.networksAdvanced as { name: unknown; aliases: string[] }[];
    assert.deepEqual(networks.map((n) => n.aliases), [["web", web.inputs.name]], "on the proxy network, under both names");
    assert.equal(web.inputs.name, "pica-static");
    assert.equal(find(d, CONTAINER, "pica-pad/db").options.deleteBeforeReplace, true);
    assert.equal(d.resources.some((r) => r.name === "pica-pad/db/make-way"), false);
  });

  it("deploys production URLs unchanged", () => {
    const web = find(d, CONTAINER, "pica-static/web");
    assert.equal(labels(web)["traefik.http.routers.pica-static.rule"], "Host(`www.picasoft.net`) || Host(`picasoft.net`)");
    assert.match(uploads(web)["/etc/httpd.conf"].content, /https:\/\/wiki\.picasoft\.net\//);
    assert.equal(labels(web)["dockerfiles.stack"], "prod");
  });

  it("uses the configured secrets, never the examples, as Pulumi secrets", () => {
    const app = find(d, CONTAINER, "pica-pad/app");
    assert.ok(isSecret(app.inputs.envs));
    assert.equal(envs(app).POSTGRES_PASSWORD, "s3cr3t-pad-db");
    const db = find(d, CONTAINER, "pica-mattermost/db");
    assert.ok(isSecret(db.inputs.uploads));
    assert.equal(unwrap(uploads(db)["/run/secrets/db_password"].content), "s3cr3t-mm");
    const everything = JSON.stringify(d.resources.map((r) => unwrap(r.inputs)));
    assert.ok(!everything.includes("example-password"), "no example secret reaches prod");
    assert.ok(!everything.includes("example-db-password"));
  });

  it("protects a destroy guard that depends on every service", () => {
    const guard = d.resources.find((r) => r.type === "dockerfiles:stack:DestroyGuard");
    assert.ok(guard, "prod declares a destroy guard");
    assert.equal(guard.options.protect, true);
    // Depending on a component means depending on its children: every container and volume.
    for (const r of d.resources.filter((x) => x.type === CONTAINER || x.type === VOLUME)) {
      assert.ok(guard.options.dependsOn.includes(`${r.type}::${r.name}`), `guard depends on ${r.type} ${r.name}`);
    }
    assert.ok(guard.options.dependsOn.includes(`${COMMAND}::record-key`), "and on the record key, which no service depends on");
  });

  it("looks up the external proxy network instead of creating it", () => {
    const lookups = d.calls.filter((c) => c.token === "docker:index/getNetwork:getNetwork").map((c) => c.inputs.name);
    assert.ok(lookups.length >= 1 && lookups.every((n) => n === "proxy"));
    assert.ok(!d.resources.some((r) => r.name === "external/proxy"));
  });
});
