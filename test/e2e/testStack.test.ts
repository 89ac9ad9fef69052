import assert from "node:assert/strict";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { after, before, describe, it } from "node:test";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { findProductionNames } from "../../src/environment/rewrite";
import { containerLabels, docker, e2e, removeRunImages, dockerJson, health, httpGet, openProject, Project, removeLeftovers, REPO_ROOT, skipReason } from "./harness";

const CONTAINERS = [e2e("e2e-web"), e2e("e2e-app"), e2e("e2e-app-db")];
const NETWORKS = [e2e("e2e-app-db"), e2e("e2e-proxy")];
const VOLUMES = [e2e("e2e-app-data")];

function env(name: string): Record<string, string> {
  const list: string[] = dockerJson("inspect", "--format", "{{json .Config.Env}}", name);
  return Object.fromEntries(list.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}

/**
 * Resources the preview would touch, by name, with their operation; the steps of one replacement
 * (delete-replaced, replace, create-replacement) count as one "replace".
 */
async function previewChanges(p: Project, unknowns: string[] = []): Promise<[string, string][]> {
  const changes = new Map<string, string>();
  await p.stack.preview({
    onEvent: (e: EngineEvent) => {
      const m = e.resourcePreEvent?.metadata;
      if (m && m.op !== "same" && m.type !== "pulumi:pulumi:Stack") {
        const name = m.urn.slice(m.urn.lastIndexOf("::") + 2);
        changes.set(name, ["delete-replaced", "create-replacement", "replace"].includes(m.op) ? "replace" : m.op);
        if (m.type === "docker:index/container:Container" && JSON.stringify(m.new?.inputs ?? {}).includes(UNKNOWN)) unknowns.push(name);
      }
    },
  });
  return [...changes.entries()].sort();
}

/** How the engine marks a value it will only know during the update. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

after(removeRunImages);

/** What an update did, without the resources it left as they were. */
function changed(counts: Record<string, number> | undefined): Record<string, number> {
  const { same: _same, ...rest } = counts ?? {};
  return rest;
}

/** Every container on the engine, running or not: builds and tests must leave it as they found it. */
function allContainers(): string[] {
  return docker("ps", "-a", "--format", "{{.ID}} {{.Names}}").split("\n").filter((l) => l !== "").sort();
}

describe("the test stack, deployed for real", { skip: skipReason() }, () => {
  let p: Project;
  let containersBefore: string[] = [];

  before(async () => {
    removeLeftovers(CONTAINERS, NETWORKS, VOLUMES);
    containersBefore = allContainers();
    p = await openProject(path.join(REPO_ROOT, "test/fixtures/services"));
  });

  after(async () => {
    if (!p) return;
    try {
      await p.stack.destroy();
    } catch {
      removeLeftovers(CONTAINERS, NETWORKS, VOLUMES);
    }
    await p.cleanup();
  });

  it("up: every container runs, health-checked ones are healthy, apps answer on 127.0.0.1", async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const t0 = performance.now();
    const res = await p.stack.up();
    console.log(`# first up: ${((performance.now() - t0) / 1000).toFixed(1)} s, ${JSON.stringify(res.summary.resourceChanges)}`);
    assert.equal(res.summary.result, "succeeded");
    for (const c of CONTAINERS) assert.equal(docker("inspect", "--format", "{{.State.Status}}", c), "running", c);
    assert.equal(health(e2e("e2e-web")), "healthy");
    assert.equal(health(e2e("e2e-app-db")), "healthy");
    const page = await httpGet(18080, "/");
    assert.equal(page.status, 200);
    assert.match(page.body, new RegExp(e2e(String.raw`Hello from e2e-web`)));
    // The app reaches its database by compose service name on the private network.
    const fromDb = await httpGet(18081, "/cgi-bin/db");
    assert.equal(fromDb.status, 200);
    assert.equal(fromDb.body.trim(), "hello-from-db");
    // The app is written before its database in the compose file, and waits for it to be healthy.
    const events = docker("events", "--since", String(since), "--until", String(Math.ceil(Date.now() / 1000) + 1), "--filter", "type=container", "--format", "{{.TimeNano}} {{.Actor.Attributes.name}} {{.Status}}").split("\n");
    const at = (name: string, status: string): bigint => BigInt(events.find((l) => l.endsWith(` ${name} ${status}`))?.split(" ")[0] ?? "0");
    const dbHealthy = at(e2e("e2e-app-db"), "health_status: healthy");
    const appStarted = at(e2e("e2e-app"), "start");
    assert.ok(dbHealthy > 0n && appStarted > dbHealthy, `the app started (${appStarted}) after its database was healthy (${dbHealthy})`);
  });

  it("applies the test environment: rewritten Traefik rules and config files, dummy secrets, image names untouched", async () => {
    const labels = containerLabels(e2e("e2e-web"));
    assert.equal(labels[e2e("traefik.http.routers.e2e-web.rule")], "Host(`www.test.picasoft.net`)");
    assert.equal(labels["dockerfiles.stack"], "test");
    assert.equal(labels["dockerfiles.folder"], e2e("e2e-web"));
    assert.equal(labels["dockerfiles.service"], "web");
    assert.match(labels["dockerfiles.inputs"], /^[0-9a-f]{16}$/);
    assert.equal(containerLabels(e2e("e2e-app-db")).role, "database");
    assert.match((await httpGet(18080, "/")).body, /https:\/\/wiki\.test\.picasoft\.net\//);
    assert.match(docker("exec", e2e("e2e-web"), "cat", "/srv/www/index.html"), /wiki\.test\.picasoft\.net/);
    const e = env(e2e("e2e-web"));
    assert.equal(e.SITE_URL, "https://www.test.picasoft.net");
    assert.equal(e.WEB_PASSWORD, "dummy-web-password");
    assert.equal(docker("exec", e2e("e2e-web"), "cat", "/run/secrets/api_token"), "dummy-api-token");
    const imageId = docker("image", "inspect", "--format", "{{.Id}}", e2e("registry.picasoft.net/e2e-web:1.0.0"));
    assert.equal(docker("inspect", "--format", "{{.Image}}", e2e("e2e-web")), imageId);
  });

  it("no production name in any running container: its configuration and the files it was given", () => {
    const rules = [{ from: "picasoft.net", to: "test.picasoft.net" }];
    for (const c of CONTAINERS) {
      // The registry host of image names is the one production name that must stay.
      const seen = [docker("inspect", c), docker("exec", c, "sh", "-c", "cat /srv/www/index.html /srv/www/cgi-bin/* /run/secrets/* 2>/dev/null || true")];
      assert.deepEqual(seen.flatMap((t) => findProductionNames(t, rules, ["registry.picasoft.net"]).map((m) => m.text)), [], c);
    }
  });

  it("a second up changes nothing and rebuilds no image", async () => {
    const before = CONTAINERS.map((c) => docker("inspect", "--format", "{{.Id}} {{.Image}}", c));
    const t0 = performance.now();
    const res = await p.stack.up({ expectNoChanges: true });
    console.log(`# no-op up: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    assert.equal(res.summary.result, "succeeded");
    assert.deepEqual(CONTAINERS.map((c) => docker("inspect", "--format", "{{.Id}} {{.Image}}", c)), before);
  });

  it("an up after editing only a README changes nothing", async () => {
    p.edit(e2e("services/e2e-app/README.md"), (t) => t + "\nMore documentation.\n");
    const res = await p.stack.up({ expectNoChanges: true });
    assert.equal(res.summary.result, "succeeded");
  });

  it("one changed line in one compose file: the preview shows that container only; data in its volume survives", async () => {
    docker("exec", e2e("e2e-app-db"), "sh", "-c", "echo precious > /data/precious.txt");
    const oldId = docker("inspect", "--format", "{{.Id}}", e2e("e2e-app-db"));
    p.edit(e2e("services/e2e-app/docker-compose.yml"), (t) => t.replace("role: database", "role: primary-database"));
    // The database container, and its health wait (run again for the new container); nothing of the app.
    assert.deepEqual(await previewChanges(p), [[e2e("e2e-app/db"), "replace"], [e2e("e2e-app/db/healthy"), "replace"]]);
    const res = await p.stack.up();
    assert.equal(res.summary.result, "succeeded");
    assert.notEqual(docker("inspect", "--format", "{{.Id}}", e2e("e2e-app-db")), oldId, "the container was replaced");
    assert.equal(containerLabels(e2e("e2e-app-db")).role, "primary-database");
    assert.equal(docker("exec", e2e("e2e-app-db"), "cat", "/data/precious.txt"), "precious");
    assert.equal((await httpGet(18081, "/cgi-bin/db")).body.trim(), "hello-from-db");
  });

  it("one changed environment variable: the preview replaces that container only, and rebuilds no image", async () => {
    const image = docker("inspect", "--format", "{{.Image}}", e2e("e2e-web"));
    p.edit(e2e("services/e2e-web/docker-compose.yml"), (t) => t.replace("SITE_URL: https://www.picasoft.net", "SITE_URL: https://www2.picasoft.net"));
    assert.deepEqual(await previewChanges(p), [[e2e("e2e-web/web"), "replace"], [e2e("e2e-web/web/healthy"), "replace"]]);
    const res = await p.stack.up();
    assert.deepEqual(changed(res.summary.resourceChanges), { replace: 2 });
    assert.equal(env(e2e("e2e-web")).SITE_URL, "https://www2.test.picasoft.net");
    assert.equal(docker("inspect", "--format", "{{.Image}}", e2e("e2e-web")), image, "same image, not rebuilt");
  });

  it("a changed Dockerfile: the preview rebuilds that image and replaces its container, nothing unknown; up does exactly that", async () => {
    const oldImage = docker("inspect", "--format", "{{.Image}}", e2e("e2e-web"));
    p.edit(e2e("services/e2e-web/Dockerfile"), (t) => t + 'LABEL org.picasoft.e2e="rebuilt"\n');
    const unknowns: string[] = [];
    assert.deepEqual(await previewChanges(p, unknowns), [[e2e("e2e-web/web"), "replace"], [e2e("e2e-web/web/healthy"), "replace"], [e2e("e2e-web/web/image"), "replace"]]);
    assert.deepEqual(unknowns, [], "every input of the new container is known at preview time");
    const res = await p.stack.up({ expectNoChanges: false });
    assert.deepEqual(changed(res.summary.resourceChanges), { replace: 3 });
    const newImage = docker("image", "inspect", "--format", "{{.Id}}", e2e("registry.picasoft.net/e2e-web:1.0.0"));
    assert.notEqual(newImage, oldImage);
    assert.equal(docker("inspect", "--format", "{{.Image}}", e2e("e2e-web")), newImage, "the container runs the rebuilt image");
    assert.equal(health(e2e("e2e-web")), "healthy");
    assert.equal((await p.stack.up({ expectNoChanges: true })).summary.result, "succeeded");
  });

  it("a healthcheck change really changes the container's healthcheck", async () => {
    p.edit(e2e("services/e2e-web/docker-compose.yml"), (t) => t.replace("interval: 2s", "interval: 3s"));
    const res = await p.stack.up();
    assert.equal(res.summary.result, "succeeded");
    const hc = dockerJson("inspect", "--format", "{{json .Config.Healthcheck}}", e2e("e2e-web"));
    assert.equal(hc.Interval, 3_000_000_000);
    assert.equal(health(e2e("e2e-web")), "healthy");
  });

  it("destroy leaves no container, network or volume of the stack behind", async () => {
    const res = await p.stack.destroy();
    assert.equal(res.summary.result, "succeeded");
    assert.equal(docker("ps", "-a", "--filter", "label=dockerfiles.stack=test", "--filter", e2e("name=e2e-"), "--format", "{{.Names}}"), "");
    const networks = docker("network", "ls", "--format", "{{.Name}}").split("\n");
    for (const n of NETWORKS) assert.ok(!networks.includes(n), `network ${n} removed`);
    const volumes = docker("volume", "ls", "--format", "{{.Name}}").split("\n");
    for (const v of VOLUMES) assert.ok(!volumes.includes(v), `volume ${v} removed`);
    // Classic builds leave intermediate containers unless told not to: none may remain.
    assert.deepEqual(allContainers(), containersBefore);
  });
});

describe("an external network that already exists on the machine", { skip: skipReason() }, () => {
  it("is used as it is by createExternalNetworks, and left in place by destroy", async () => {
    removeLeftovers(CONTAINERS, NETWORKS, VOLUMES);
    docker("network", "create", e2e("e2e-proxy"));
    const p = await openProject(path.join(REPO_ROOT, "test/fixtures/services"));
    try {
      const res = await p.stack.up();
      assert.equal(res.summary.result, "succeeded");
      assert.equal(dockerJson("inspect", "--format", "{{json .NetworkSettings.Networks}}", e2e("e2e-web"))[e2e("e2e-proxy")] !== undefined, true);
      await p.stack.destroy();
      assert.ok(docker("network", "ls", "--format", "{{.Name}}").split("\n").includes(e2e("e2e-proxy")), "a network the stack did not create stays");
    } finally {
      try {
        await p.stack.destroy();
      } catch {
        removeLeftovers(CONTAINERS, [], VOLUMES);
      }
      removeLeftovers([], NETWORKS, []);
      await p.cleanup();
    }
  });
});

describe("a container that never becomes healthy", { skip: skipReason() }, () => {
  it("makes up fail with a message naming the service and the end of its logs", async () => {
    removeLeftovers([e2e("e2e-sick")], [], []);
    const p = await openProject(path.join(REPO_ROOT, "test/fixtures/unhealthy"));
    try {
      await assert.rejects(p.stack.up(), (e: Error) => {
        assert.match(e.message, new RegExp(e2e(String.raw`e2e-sick\/sick: container e2e-sick is unhealthy\.`)));
        assert.match(e.message, /Last health check: exit code 1/);
        // Its stdout and stderr lines, in whichever order Docker merged the two streams.
        const logs = e.message.slice(e.message.indexOf("Last 20 lines of its logs:"));
        assert.match(logs, new RegExp(e2e(String.raw`^Last 20 lines of its logs:\n(\s+(starting e2e-sick|fatal: cannot open \/etc\/e2e-sick\.conf)\n){2}`)));
        assert.match(logs, new RegExp(e2e("starting e2e-sick")));
        assert.match(logs, new RegExp(e2e(String.raw`fatal: cannot open \/etc\/e2e-sick\.conf`)));
        assert.match(e.message, new RegExp(e2e(String.raw`More: docker logs e2e-sick`)));
        return true;
      });
    } finally {
      try {
        await p.stack.destroy();
      } catch {
        removeLeftovers([e2e("e2e-sick")], [], []);
      }
      await p.cleanup();
    }
  });
});
