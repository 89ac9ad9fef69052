import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ContainerPlan } from "../../src/environment/plan";
import { planDeployment } from "../../src/pipeline";
import { formatProblem } from "../../src/problems";
import { MemoryFiles } from "../../src/read/files";
import { readSettings } from "../../src/settings";

/** The web service of a folder `shop` with these extra compose lines, planned on the test stack. */
function plan(extra: string[], other: string[] = []): { web?: ContainerPlan; errors: string[] } {
  const { settings } = readSettings("test", (k) => ({ kind: "test" } as Record<string, string>)[k]);
  const compose = [
    "services:",
    "  web:",
    "    image: nginx:1.27.2",
    "    container_name: shop-web",
    ...extra.map((l) => `    ${l}`),
    ...other,
    "volumes:",
    "  data:",
    "",
  ].join("\n");
  const view = new MemoryFiles({ "services/shop/README.md": "# shop\n", "services/shop/docker-compose.yml": compose });
  const p = planDeployment({ settings: settings!, view, environment: () => undefined });
  return { web: p.services[0]?.containers.find((c) => c.service === "web"), errors: p.problems.filter((x) => x.severity === "error").map((x) => formatProblem(x, false)) };
}

const HEALTH = ["healthcheck:", "  test: ['CMD', 'true']"];
const ROUTED = ["labels:", "  traefik.enable: 'true'", ...HEALTH];

describe("replace strategy (compose's deploy.update_config.order)", () => {
  it("is start-first for a routed service with a healthcheck and nothing two containers must not share; it answers to its container name too", () => {
    const { web } = plan(ROUTED);
    assert.deepEqual(web?.replace, { order: "start-first", why: "routed by Traefik, with a healthcheck, no data volume and no host port" });
    assert.deepEqual(web?.networks.map((n) => n.aliases), [["web", "shop-web"]]);
  });

  it("is stop-first, saying why, for what must not run twice or cannot say it is ready", () => {
    const why = (extra: string[], other: string[] = []): string | undefined => {
      const { web } = plan([...ROUTED, ...extra], other);
      assert.equal(web?.replace.order, "stop-first");
      return web?.replace.why;
    };
    assert.equal(why(["volumes: ['data:/var/lib/data']"]), "it writes the named volume shop_data");
    assert.equal(why(["volumes: ['/srv/shop:/var/lib/data']"]), "it writes the host directory /srv/shop");
    assert.equal(why(["ports: ['8080:80']"]), "it publishes the host port 8080");
    assert.equal(why(["deploy: {update_config: {order: stop-first}}"]), "deploy.update_config.order: stop-first in its compose file");
    assert.equal(plan(["labels: {traefik.enable: 'true'}"]).web?.replace.why, "it has no healthcheck to say when a new container is ready");
    assert.equal(plan(["labels: {role: api}", ...HEALTH]).web?.replace.why, "it is not routed by Traefik (no traefik.* label)");
    assert.deepEqual(plan(["labels: {role: api}", ...HEALTH]).web?.networks.map((n) => n.aliases), [["web"]], "a stop-first container gets no extra alias");
  });

  it("takes an explicit start-first on an unrouted service, and leaves read-only data volumes alone", () => {
    assert.equal(plan([...HEALTH, "deploy: {update_config: {order: start-first}}"]).web?.replace.order, "start-first");
    assert.equal(plan([...ROUTED, "volumes: ['data:/var/lib/data:ro']"]).web?.replace.order, "start-first");
  });

  it("refuses an explicit start-first where two containers would share data or a port, or nothing says when the new one is ready, at the key's line", () => {
    assert.deepEqual(plan([...HEALTH, "volumes: ['data:/var/lib/data']", "deploy:", "  update_config:", "    order: start-first"]).errors,
      ["services/shop/docker-compose.yml:10:16: services.web.deploy.update_config.order: start-first is refused: this service writes the named volume shop_data, and the old and new containers would run together; use stop-first or remove the key"]);
    assert.match(plan([...HEALTH, "ports: ['8080:80']", "deploy: {update_config: {order: start-first}}"]).errors.join("\n"), /start-first is refused: this service publishes the host port 8080/);
    assert.match(plan(["deploy: {update_config: {order: start-first}}"]).errors.join("\n"), /start-first needs a healthcheck/);
    assert.match(plan(["deploy: {update_config: {order: rolling}}"]).errors.join("\n"), /services\.web\.deploy\.update_config\.order must be one of "start-first", "stop-first"/);
  });
});
