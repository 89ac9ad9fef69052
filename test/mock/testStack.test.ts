import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { before, describe, it } from "node:test";
import { findProductionNames } from "../../src/environment/rewrite";
import { collectStrings } from "../../src/environment/testNames";
import { CONTAINER, Declared, envs, find, commandEnv, COMMAND, isSecret, labels, NETWORK, REMOTE_IMAGE, REPO_ROOT, runProgram, SERVICE, TEST_CONFIG, unwrap, uploads, VOLUME } from "./recorder";

describe("test stack over the example services (mocks)", () => {
  let d: Declared;
  before(async () => {
    d = await runProgram("test", TEST_CONFIG);
  });

  it("declares one component per service folder, never the template", () => {
    const services = d.resources.filter((r) => r.type === SERVICE).map((r) => r.name).sort();
    assert.deepEqual(services, ["pica-mattermost", "pica-pad", "pica-static"]);
    assert.ok(!d.resources.some((r) => r.name.startsWith("template/")));
    assert.ok(!d.resources.some((r) => r.type === "dockerfiles:stack:DestroyGuard"), "test stacks can be destroyed");
  });

  it("gives every resource a unique URN and parents children to their service", () => {
    const urns = d.resources.map((r) => `${r.type}::${r.name}`);
    assert.equal(new Set(urns).size, urns.length);
    for (const r of d.resources.filter((x) => x.type.startsWith("docker:") && !x.name.startsWith("external/"))) {
      assert.equal(r.options.parent, r.name.split("/")[0], `${r.name} parent`);
    }
  });

  it("builds home-built images with the compose image name, without pushing, from the files a build can use", () => {
    const img = find(d, COMMAND, "pica-static/web/image");
    const env = commandEnv(img);
    assert.equal(env.IMAGE, "registry.picasoft.net/pica-static:1.2.0");
    assert.equal(env.PUSH, undefined);
    assert.equal(env.CONTEXT, "services/pica-static");
    assert.equal(env.DOCKERFILE, "Dockerfile");
    assert.equal(env.BUILD_ARG_1, "STATIC_VERSION=1.2.0");
    assert.equal(env.BUILD_ARG_2, undefined);
    assert.equal(env.REGISTRY_PASSWORD, undefined);
    const files = String(img.inputs.stdin).trim().split("\n");
    assert.ok(files.includes("./Dockerfile"));
    for (const doc of ["./README.md", "./CHANGELOG.md", "./docker-compose.yml"]) assert.ok(!files.includes(doc), `${doc} is not in the build context`);
    assert.ok(!files.some((f) => f.startsWith("./secrets/")), "no secret in the build context");
    assert.deepEqual(img.inputs.triggers, [env.BUILD_HASH]);
  });

  it("keeps pulled images locally, with interpolated tags from the folder's .env", () => {
    const etherpad = find(d, REMOTE_IMAGE, "pica-pad/etherpad/etherpad:2.2.7");
    assert.equal(etherpad.inputs.keepLocally, true);
    find(d, REMOTE_IMAGE, "pica-pad/postgres:16.4-bookworm");
  });

  it("rewrites Traefik rules and config files, never image names", () => {
    const web = find(d, CONTAINER, "pica-static/web");
    assert.equal(labels(web)["traefik.http.routers.pica-static.rule"], "Host(`www.test.picasoft.net`) || Host(`test.picasoft.net`)");
    assert.equal(labels(web)["traefik.http.services.pica-static.loadbalancer.server.port"], "8080");
    const files = uploads(web);
    assert.match(files["/etc/httpd.conf"].content, /https:\/\/wiki\.test\.picasoft\.net\//);
    assert.match(files["/srv/www/index.html"].content, /https:\/\/pad\.test\.picasoft\.net/);
    assert.doesNotMatch(files["/srv/www/index.html"].content, /\/\/pad\.picasoft\.net/);
    // The container runs the built image by its compose name, never a rewritten one.
    assert.equal(web.inputs.image, "registry.picasoft.net/pica-static:1.2.0");
    assert.equal(commandEnv(find(d, COMMAND, "pica-static/web/image")).IMAGE, "registry.picasoft.net/pica-static:1.2.0");
    assert.ok(web.options.dependsOn.includes(`${COMMAND}::pica-static/web/image`), "the container is created after its image is built");
    const mm = find(d, CONTAINER, "pica-mattermost/mattermost");
    assert.match(uploads(mm)["/mattermost/config/config.json"].content, /"SiteURL": "https:\/\/team\.test\.picasoft\.net"/);
    assert.equal(envs(mm).MM_SERVICESETTINGS_SITEURL, "https://team.test.picasoft.net");
  });

  it("uses the example secrets as dummy values, as Pulumi secrets", () => {
    const app = find(d, CONTAINER, "pica-pad/app");
    assert.ok(isSecret(app.inputs.envs), "envs with a secret are a secret");
    const e = envs(app);
    assert.equal(e.POSTGRES_PASSWORD, "example-password");
    assert.equal(e.DB_HOST, "db");
    assert.equal(e.ADMIN_URL, "https://pad.test.picasoft.net/admin");
    const db = find(d, CONTAINER, "pica-mattermost/db");
    assert.ok(isSecret(db.inputs.uploads), "uploads holding a secret are a secret");
    assert.equal(unwrap(uploads(db)["/run/secrets/db_password"].content), "example-db-password\n");
  });

  it("maps compose keys onto the container", () => {
    const db = find(d, CONTAINER, "pica-pad/db");
    assert.equal(db.inputs.name, "pica-pad-db");
    assert.deepEqual(db.inputs.healthcheck, { tests: ["CMD-SHELL", "pg_isready -U ${POSTGRES_USER}"], interval: "10s", timeout: "5s", startPeriod: "20s", retries: 5 });
    const healthy = find(d, COMMAND, "pica-pad/db/healthy");
    assert.equal(commandEnv(healthy).CONTAINER, "pica-pad-db");
    assert.ok(Number(commandEnv(healthy).TIMEOUT) >= 60);
    assert.deepEqual(healthy.options.dependsOn, [`${CONTAINER}::pica-pad/db`]);
    assert.equal(db.inputs.stopTimeout, 60);
    assert.equal(db.inputs.restart, "unless-stopped");
    assert.deepEqual(db.inputs.volumes, [{ containerPath: "/var/lib/postgresql/data", volumeName: "pica-pad-db" }]);
    assert.deepEqual(db.inputs.networksAdvanced, [{ name: "pica-pad-db", aliases: ["db"] }]);
    const app = find(d, CONTAINER, "pica-pad/app");
    assert.deepEqual(app.inputs.networksAdvanced.map((n: any) => n.name), ["proxy", "pica-pad-db"]);
    assert.ok(app.options.dependsOn.includes(`${COMMAND}::pica-pad/db/healthy`), "app waits for its database to be healthy (depends_on: service_healthy)");
    assert.ok(!find(d, CONTAINER, "pica-pad/db").options.dependsOn.some((x) => x.includes("pica-pad/app")));
    const web = find(d, CONTAINER, "pica-static/web");
    assert.equal(web.inputs.init, true);
    const mmdb = find(d, CONTAINER, "pica-mattermost/db");
    assert.equal(mmdb.inputs.shmSize, 256);
    assert.equal(mmdb.inputs.logDriver, "json-file");
    assert.deepEqual(mmdb.inputs.logOpts, { "max-size": "10m", "max-file": "3" });
  });

  it("replaces containers safely: stop-first deletes first (fixed names); start-first frees the name before and hands over once the new one is healthy; healthcheck edits replace", () => {
    const kinds = new Set<string>();
    for (const c of d.resources.filter((r) => r.type === CONTAINER)) {
      assert.deepEqual(c.options.replaceOnChanges, ["healthcheck"], c.name);
      const makeWay = d.resources.find((r) => r.type === COMMAND && r.name === `${c.name}/make-way`);
      const handover = d.resources.find((r) => r.type === COMMAND && r.name === `${c.name}/handover`);
      if (c.options.deleteBeforeReplace === true) {
        kinds.add("stop-first");
        assert.equal(makeWay, undefined, c.name);
        assert.equal(handover, undefined, c.name);
        continue;
      }
      kinds.add("start-first");
      assert.ok(makeWay && handover, `${c.name}: make-way and handover`);
      assert.ok(c.options.dependsOn.includes(`${COMMAND}::${c.name}/make-way`), `${c.name} is created after make-way`);
      assert.ok(handover.options.dependsOn.includes(`${COMMAND}::${c.name}/healthy`), `${c.name}: the handover runs once the container is healthy`);
      assert.deepEqual([commandEnv(handover).FOLDER, commandEnv(handover).SERVICE, commandEnv(handover).STACK], [...c.name.split("/"), "test"]);
      assert.equal(commandEnv(handover).TRAEFIK_OUTSIDE_DOCKER, undefined, `${c.name}: the handover runs only when a container mounts the engine's socket`);
      assert.equal(commandEnv(makeWay).INPUTS, labels(c)["dockerfiles.inputs"]);
      assert.equal(commandEnv(makeWay).CONTAINER, c.inputs.name);
      const aliases = (c.inputs.networksAdvanced as { aliases: string[] }[]).map((n) => n.aliases);
      for (const a of aliases) assert.ok(a.includes(c.inputs.name as string), `${c.name} answers to its container name on every network`);
    }
    assert.deepEqual([...kinds].sort(), ["start-first", "stop-first"], "the examples have both");
    assert.equal(find(d, CONTAINER, "pica-pad/db").options.deleteBeforeReplace, true, "a database writing its volume is stop-first");
  });

  it("labels every container with stack, folder, service and an inputs hash", () => {
    for (const c of d.resources.filter((r) => r.type === CONTAINER)) {
      const l = labels(c);
      const [folder, service] = c.name.split("/");
      assert.equal(l["dockerfiles.stack"], "test");
      assert.equal(l["dockerfiles.folder"], folder);
      assert.equal(l["dockerfiles.service"], service);
      assert.match(l["dockerfiles.inputs"], /^[0-9a-f]{16}$/);
    }
  });

  it("creates fresh, unprotected volumes and the external proxy network once", () => {
    for (const v of d.resources.filter((r) => r.type === VOLUME)) assert.notEqual(v.options.protect, true, v.name);
    const proxies = d.resources.filter((r) => r.type === COMMAND && commandEnv(r).NETWORK === "proxy");
    assert.equal(proxies.length, 1);
    assert.equal(proxies[0].name, "external/proxy");
    assert.ok(find(d, CONTAINER, "pica-pad/app").options.dependsOn.includes(`${COMMAND}::external/proxy`), "containers on proxy wait for it");
    assert.equal(find(d, NETWORK, "pica-pad/db").inputs.name, "pica-pad-db");
    assert.equal(d.calls.filter((c) => c.token === "docker:index/getNetwork:getNetwork").length, 0);
  });

  it("exports, per service, the deployed commit and the last commit that changed its folder", () => {
    const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: REPO_ROOT, encoding: "utf8" }).trim();
    const last = execFileSync("git", ["log", "-1", "--format=%H", "HEAD", "--", "services/pica-pad"], { cwd: REPO_ROOT, encoding: "utf8" }).trim();
    assert.equal(d.outputs["pica-pad"].revision, head);
    assert.equal(d.outputs["pica-pad"].lastChange, last);
  });

  it("declares no production name in any input of any container, health wait or image build (image names excepted)", () => {
    const rules = TEST_CONFIG.rewrites;
    for (const r of d.resources.filter((x) => x.type === CONTAINER || x.type === COMMAND)) {
      const inputs = unwrap(r.inputs);
      const { image: _image, ...rest } = inputs;
      // Uploaded files are checked as the container will see them (content included).
      const left = collectStrings(rest).flatMap((s) => findProductionNames(s, rules, ["registry.picasoft.net"]).map((m) => `${m.text} in ${JSON.stringify(s).slice(0, 80)}`));
      assert.deepEqual(left, [], `${r.type} ${r.name}`);
    }
  });

  it("exports container names per service", () => {
    assert.deepEqual(d.outputs["pica-pad"].containers, { app: "pica-pad-app", db: "pica-pad-db" });
    assert.deepEqual(d.outputs["pica-static"].images, { web: "registry.picasoft.net/pica-static:1.2.0" });
  });
});
