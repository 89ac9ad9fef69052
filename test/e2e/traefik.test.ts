import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { runPlan } from "../../src/cli/plan";
import { status } from "../../src/cli/status";
import { closeProject, docker, dockerJson, e2e, health, openProject, Project, removeLeftovers, removeRunImages, REPO_ROOT, skipReason } from "./harness";
import { LocalRegistry, registryMissing, startRegistry } from "./registry";
import { startTraefik, TraefikServer, traefikMissing, underLoad } from "./traefik";

/**
 * The services behind a real Traefik, on the real engines: the test stack's URLs route, production
 * host names do not, Traefik's health rules hold, and a start-first replacement loses no request at
 * 20 requests a second while a stop-first one never runs two containers on one data volume.
 */
const SITE = e2e("e2e-site");
const PLAIN = e2e("e2e-plain");
const STORE = e2e("e2e-store");
const ILL = e2e("e2e-ill");
const PROXY = e2e("e2e-proxy");
const STORE_DATA = e2e("e2e-store-data");
/** A container that mounts the engine's socket, as Traefik or a socket proxy in front of it does. */
const WATCHER = e2e("e2e-watcher");
const CONTAINERS = [SITE, PLAIN, STORE, ILL, WATCHER];

/** The test stack's host names (picasoft.net rewritten to test.picasoft.net in the router rules). */
const host = (name: string): string => `${name}.test.picasoft.net`;

/** The running containers that mount a Docker socket. */
function socketMounters(): string[] {
  const ids = docker("ps", "--quiet").split("\n").filter((id) => id !== "");
  if (ids.length === 0) return [];
  return dockerJson("inspect", ...ids).filter((c: { Mounts: { Source: string }[] }) => c.Mounts.some((m) => /(docker|podman)\.sock$/.test(m.Source))).map((c: { Name: string }) => c.Name.slice(1));
}

function containerId(name: string): string {
  return docker("inspect", "--format", "{{.Id}}", name);
}

/** Containers whose name starts with `prefix`, running or not. */
function namesLike(prefix: string): string[] {
  return docker("ps", "-a", "--filter", `name=${prefix}`, "--format", "{{.Names}}").split("\n").filter((n) => n !== "").sort();
}

/** A request from another container on the proxy network, by a DNS name. */
function fromNeighbour(name: string): string {
  const r = spawnSync("docker", ["run", "--rm", "--network", PROXY, "debian:bookworm-slim", "busybox", "wget", "-q", "-O", "-", `http://${name}:8080/`], { encoding: "utf8", timeout: 20_000 });
  return r.status === 0 ? r.stdout : `failed: ${r.stderr}`;
}

describe("Traefik in front of the test stack (real Traefik, Pulumi and Docker)", { skip: skipReason("Traefik tests", traefikMissing) }, () => {
  let p: Project;
  let traefik: TraefikServer;
  /** `npm run plan -- test`, with the engine's preview. */
  const plan = (): Promise<{ code: number; output: string }> => p.cli((out) => runPlan(["test"], p.dir, out));

  before(async () => {
    removeLeftovers(CONTAINERS, [PROXY], [STORE_DATA]);
    // Traefik runs here as a binary beside Docker, as it may on a machine: the stack says so.
    p = await openProject(path.join(REPO_ROOT, "test/fixtures/routed"), { traefikOutsideDocker: "true" });
    // A commit, so that the stack records a revision and `status` compares the containers with it.
    p.git("init", "-q");
    p.git("add", "-A");
    p.git("commit", "-qm", "routed services");
    traefik = await startTraefik(PROXY);
    const res = await p.stack.up();
    assert.equal(res.summary.result, "succeeded");
  });

  after(async () => {
    await traefik?.stop();
    if (p) await closeProject(p, CONTAINERS, [PROXY], [STORE_DATA]);
  });

  it("routes the test stack's host name to the service, with its rewritten config file; the production host name routes nowhere", async () => {
    const site = await traefik.waitFor(host("site"), 200);
    assert.equal(site.body, "site version 1 at https://site.test.picasoft.net\n");
    assert.equal((await traefik.get("site.picasoft.net")).status, 404, "the production host name is not routed on the test stack");
    assert.equal((await traefik.waitFor(host("plain"), 200)).body, "plain\n", "a service without a healthcheck is routed once it runs");
    assert.match((await traefik.waitFor(host("store"), 200)).body, /^started-\d+\n$/);
  });

  it("routes nothing to a container that is not healthy; `up` fails naming it, the other services still answer", async () => {
    const ill = p.file(`services/${ILL}`);
    fs.cpSync(p.file(`services/${SITE}`), ill, { recursive: true });
    p.edit(`services/${ILL}/docker-compose.yml`, (t) => t.replaceAll(SITE, ILL).replaceAll("site.picasoft.net", "ill.picasoft.net")
      .replace(`"http://127.0.0.1:8080/"]`, `"http://127.0.0.1:8080/missing"]`).replace("retries: 3", "retries: 2"));
    try {
      await assert.rejects(p.stack.up(), (e: Error) => {
        assert.match(e.message, new RegExp(`${ILL}/site: container ${ILL} is unhealthy`));
        return true;
      });
      assert.equal(health(ILL), "unhealthy");
      assert.equal((await traefik.get(host("ill"))).status, 404, "Traefik does not route an unhealthy container");
      assert.equal((await traefik.get(host("site"))).status, 200);
    } finally {
      fs.rmSync(ill, { recursive: true });
    }
    assert.equal((await p.stack.up()).summary.result, "succeeded");
    assert.deepEqual(namesLike(ILL), []);
  });

  it("says which strategy each replacement uses, and why; the engine's preview agrees", async () => {
    p.edit(`services/${SITE}/docker-compose.yml`, (t) => t.replace("SITE_URL: https://site.picasoft.net", "SITE_URL: https://www.site.picasoft.net"));
    p.edit(`services/${STORE}/docker-compose.yml`, (t) => t.replace(`STORE_REVISION: "1"`, `STORE_REVISION: "2"`));
    p.edit(`services/${PLAIN}/docker-compose.yml`, (t) => t.replace("init: true", "init: true\n    environment:\n      PLAIN_REVISION: \"2\""));
    const { code, output: text } = await plan();
    assert.equal(code, 2, text);
    assert.doesNotMatch(text, /WARNING/, "the engine touches nothing the plan did not announce (make-way, handover)");
    assert.match(text, new RegExp(`site \\(container ${SITE}\\): replaced \\(no downtime; start-first: routed by Traefik, with a healthcheck, no data volume and no host port\\)`));
    assert.match(text, new RegExp(`store \\(container ${STORE}\\): replaced \\(≈2 s down; stop-first: it writes the named volume ${STORE_DATA}\\)`));
    assert.match(text, new RegExp(`plain \\(container ${PLAIN}\\): replaced \\(down while it restarts; stop-first: it has no healthcheck to say when a new container is ready\\)`));
  });

  it("replaces a routed service start-first: no request lost at 20 per second, one container left under its own name, reached by its names", async () => {
    // The plan's test left an environment change on each service: this up replaces all three.
    const before = containerId(SITE);
    const load = await underLoad(traefik, host("site"), 50, async () => assert.equal((await p.stack.up()).summary.result, "succeeded"));
    console.log(`# start-first replace (environment): ${load.sent} requests, ${load.failed} failed`);
    assert.ok(load.sent >= 40, `enough requests were sent (${load.sent})`);
    assert.deepEqual(load.failures, []);
    assert.notEqual(containerId(SITE), before, "the container was replaced");
    assert.deepEqual(namesLike(SITE), [SITE], "the old container is gone, the new one has the name");
    assert.equal(health(SITE), "healthy");
    assert.equal(docker("exec", SITE, "printenv", "SITE_URL"), "https://www.site.test.picasoft.net", "docker exec by the container name reaches the new one");
    assert.match(fromNeighbour(SITE), /^site version 1/, "reached by its container name");
    assert.match(fromNeighbour("site"), /^site version 1/, "reached by its compose service name");
  });

  for (const [kind, change] of [
    ["label", (t: string) => t.replace(`traefik.enable: "true"`, `traefik.enable: "true"\n      org.picasoft.revision: "2"`)],
    ["config file", undefined],
    ["image", undefined],
  ] as const) {
    it(`loses no request when a ${kind} change replaces it`, async () => {
      if (kind === "label") p.edit(`services/${SITE}/docker-compose.yml`, change);
      if (kind === "config file") p.edit(`services/${SITE}/site/index.html`, (t) => t.replace("version 1", "version 2"));
      if (kind === "image") p.edit(`services/${SITE}/Dockerfile`, (t) => `${t}LABEL org.picasoft.image-revision="2"\n`);
      const before = containerId(SITE);
      const load = await underLoad(traefik, host("site"), 50, async () => assert.equal((await p.stack.up()).summary.result, "succeeded"));
      console.log(`# start-first replace (${kind}): ${load.sent} requests, ${load.failed} failed; bodies seen: ${JSON.stringify([...new Set(load.bodies)])}`);
      assert.deepEqual(load.failures, []);
      assert.notEqual(containerId(SITE), before);
      assert.deepEqual(namesLike(SITE), [SITE]);
      if (kind === "config file") assert.equal((await traefik.get(host("site"))).body, "site version 2 at https://site.test.picasoft.net\n");
    });
  }

  it("keeps the old container serving when the new one never becomes healthy; the next up that succeeds removes both", async () => {
    const compose = `services/${SITE}/docker-compose.yml`;
    const good = fs.readFileSync(p.file(compose), "utf8");
    p.edit(compose, (t) => t.replace(`"http://127.0.0.1:8080/"]`, `"http://127.0.0.1:8080/missing"]`).replace("retries: 3", "retries: 2"));
    const load = await underLoad(traefik, host("site"), 50, () => assert.rejects(p.stack.up(), /is unhealthy/));
    console.log(`# start-first replace, new container unhealthy: ${load.sent} requests, ${load.failed} failed`);
    assert.deepEqual(load.failures, [], "the old container kept answering");
    const names = namesLike(SITE);
    assert.equal(names.length, 2, names.join(", "));
    assert.match(names[1], new RegExp(`^${SITE}-old-[0-9a-f]{12}$`));
    assert.equal(health(names[1]), "healthy");
    const shown = await p.cli((out) => status(["test"], p.dir, out));
    assert.equal(shown.code, 1, shown.output);
    assert.match(shown.output, new RegExp(`site: ${names[1]} \\(running\\) is left from a start-first replacement that did not finish; the next up that succeeds removes it`));
    p.edit(compose, () => good);
    const back = await underLoad(traefik, host("site"), 50, async () => assert.equal((await p.stack.up()).summary.result, "succeeded"));
    assert.deepEqual(back.failures, []);
    assert.deepEqual(namesLike(SITE), [SITE], "the unhealthy attempt and the old container are both gone");
    assert.equal(health(SITE), "healthy");
  });

  it("with no Traefik watching Docker (no container mounts its socket), stops the old container without a handover; with one that does, hands over", async () => {
    const compose = `services/${SITE}/docker-compose.yml`;
    const handedOver = new RegExp(`${SITE}/site: ${SITE} serves; ${SITE}-old-[0-9a-f]{12} taken out of Traefik and stopped \\(the Docker socket is mounted by ${WATCHER}\\)`);
    await p.stack.setConfig("dockerfiles:traefikOutsideDocker", { value: "false" });
    try {
      assert.deepEqual(socketMounters(), [], "no container on this engine mounts its socket");
      p.edit(compose, (t) => t.replace(`traefik.enable: "true"`, `traefik.enable: "true"\n      org.picasoft.watched: "no"`));
      const alone = await p.stack.up();
      assert.match(alone.stdout, new RegExp(`${SITE}/site: ${SITE} serves; ${SITE}-old-[0-9a-f]{12} stopped without a handover \\(no running container mounts this Docker engine's socket`), alone.stdout);
      assert.deepEqual(namesLike(SITE), [SITE]);
      assert.equal(health(SITE), "healthy");

      const socket = (process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock").replace(/^unix:\/\//, "");
      docker("run", "--detach", "--name", WATCHER, "--volume", `${socket}:/var/run/docker.sock:ro`, "debian:bookworm-slim", "sleep", "600");
      try {
        assert.deepEqual(socketMounters(), [WATCHER]);
        p.edit(compose, (t) => t.replace(`org.picasoft.watched: "no"`, `org.picasoft.watched: "yes"`));
        const watched = await p.stack.up();
        assert.match(watched.stdout, handedOver, watched.stdout);
        assert.deepEqual(namesLike(SITE), [SITE]);
      } finally {
        docker("rm", "--force", WATCHER);
      }
    } finally {
      await p.stack.setConfig("dockerfiles:traefikOutsideDocker", { value: "true" });
    }
  });

  it("replaces a service that writes a named volume stop-first: never two containers on its data", async () => {
    p.edit(`services/${STORE}/docker-compose.yml`, (t) => t.replace(`STORE_REVISION: "2"`, `STORE_REVISION: "3"`));
    let most = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const users = docker("ps", "--filter", `volume=${STORE_DATA}`, "--format", "{{.Names}}").split("\n").filter((n) => n !== "");
        most = Math.max(most, users.length);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      assert.equal((await p.stack.up()).summary.result, "succeeded");
    } finally {
      sampling = false;
      await sampler;
    }
    assert.equal(most, 1, "at most one running container had the data volume at any time");
    const starts = docker("exec", STORE, "cat", "/data/starts.txt").split("\n");
    assert.equal(starts.length, 3, "three starts on the data: first up, the plan test's change, this one");
    assert.deepEqual(namesLike(STORE), [STORE]);
  });
});

/**
 * Prod the same way: production host names, images pushed to a private registry, and Traefik on the
 * machine's external proxy network, which exists before the stack (as on the real machines).
 */
describe("Traefik in front of the prod stack (real Traefik, registry, Pulumi and Docker)", { skip: skipReason("Traefik prod tests", () => traefikMissing() ?? registryMissing()) }, () => {
  let p: Project;
  let traefik: TraefikServer;
  let registry: LocalRegistry;
  const fixtures = fs.mkdtempSync(path.join(os.tmpdir(), "dockerfiles-routed-prod-"));

  before(async () => {
    removeLeftovers([SITE], [PROXY], []);
    docker("network", "create", PROXY);
    fs.cpSync(path.join(REPO_ROOT, "test/fixtures/routed/e2e-site"), path.join(fixtures, "e2e-site"), { recursive: true });
    registry = await startRegistry();
    p = await openProject(fixtures, { traefikOutsideDocker: "true" }, "prod", { replace: { "registry.picasoft.net": registry.server } });
    await p.stack.setConfig("dockerfiles:registry.server", { value: registry.server }, true);
    await p.stack.setConfig("dockerfiles:registry.username", { value: registry.username }, true);
    await p.stack.setConfig("dockerfiles:registry.password", { value: registry.password, secret: true }, true);
    traefik = await startTraefik(PROXY);
    assert.equal((await p.stack.up()).summary.result, "succeeded");
  });

  after(async () => {
    await traefik?.stop();
    // prod refuses `pulumi destroy`: what the test made is removed by name.
    removeLeftovers([SITE], [PROXY], []);
    await p?.cleanup();
    removeRunImages();
    await registry?.stop();
    fs.rmSync(fixtures, { recursive: true, force: true });
  });

  it("routes the production host name, and replaces the site start-first on the external proxy network without losing a request", async () => {
    assert.equal((await traefik.waitFor("site.picasoft.net", 200)).body, "site version 1 at https://site.picasoft.net\n");
    p.edit(`services/${SITE}/docker-compose.yml`, (t) => t.replace("SITE_URL: https://site.picasoft.net", "SITE_URL: https://www.site.picasoft.net"));
    const before = containerId(SITE);
    const load = await underLoad(traefik, "site.picasoft.net", 50, async () => assert.equal((await p.stack.up()).summary.result, "succeeded"));
    console.log(`# prod start-first replace (environment): ${load.sent} requests, ${load.failed} failed`);
    assert.ok(load.sent >= 40, `enough requests were sent (${load.sent})`);
    assert.deepEqual(load.failures, []);
    assert.notEqual(containerId(SITE), before);
    assert.deepEqual(namesLike(SITE), [SITE]);
    assert.equal(docker("exec", SITE, "printenv", "SITE_URL"), "https://www.site.picasoft.net");
  });
});
