import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, describe, it } from "node:test";
import { containerDrift, inspect } from "../../src/cli/status";
import { ContainerPlan } from "../../src/environment/plan";
import { planDeployment } from "../../src/pipeline";
import { MemoryFiles } from "../../src/read/files";
import { readSettings } from "../../src/settings";
import { docker, e2e, health } from "./harness";

/** Drift detection of `npm run status` against containers made by hand on the real Docker engine. */
function dockerMissing(): string | false {
  if (spawnSync("docker", ["info"], { stdio: "ignore" }).status === 0 && spawnSync("docker", ["image", "inspect", "debian:bookworm-slim"], { stdio: "ignore" }).status === 0) return false;
  const reason = "no Docker engine with debian:bookworm-slim (scripts/toolchain.sh provides both)";
  if (process.env.CI === "true") throw new Error(`drift tests cannot run in CI: ${reason}`);
  console.log(`# skipping drift tests: ${reason}`);
  return reason;
}

function plannedContainer(): ContainerPlan {
  const config: Record<string, string> = { kind: "test" };
  const { settings } = readSettings("test", (k) => config[k]);
  const view = new MemoryFiles({
    "services/drift/README.md": "# drift\n",
    "services/drift/docker-compose.yml": [
      "services:",
      "  app:",
      "    image: debian:bookworm-slim",
      `    container_name: ${e2e("e2e-drift-app")}`,
      "    command: [sleep, '300']",
      "    healthcheck:",
      "      test: ['CMD-SHELL', 'true']",
      "      interval: 1s",
      "      timeout: 2s",
      "      retries: 3",
      "",
    ].join("\n"),
  });
  const plan = planDeployment({ settings: settings!, view, environment: () => undefined });
  assert.deepEqual(plan.problems.filter((p) => p.severity === "error"), []);
  return plan.services[0].containers[0];
}

/** `docker run` of the planned container by hand, optionally with another health interval. */
function runByHand(c: ContainerPlan, interval = "1s"): void {
  spawnSync("docker", ["rm", "-f", c.name], { stdio: "ignore" });
  const labels = Object.entries(c.labels).flatMap(([k, v]) => ["--label", `${k}=${v}`]);
  docker("run", "-d", "--name", c.name, ...labels, "--health-cmd", "true", "--health-interval", interval, "--health-timeout", "2s", "--health-retries", "3", "debian:bookworm-slim", "sleep", "300");
}

async function untilHealthy(name: string): Promise<void> {
  for (let i = 0; i < 40 && health(name) !== "healthy"; i++) await new Promise((r) => setTimeout(r, 250));
}

describe("drift between the stack and live containers (real Docker)", { skip: dockerMissing() }, () => {
  const c = plannedContainer();
  after(() => spawnSync("docker", ["rm", "-f", c.name], { stdio: "ignore" }));

  it("a container as planned is in sync", async () => {
    runByHand(c);
    await untilHealthy(c.name);
    assert.deepEqual(containerDrift(c, inspect(c.name, undefined)), []);
  });

  it("a healthcheck changed by hand is drift", () => {
    runByHand(c, "5s");
    assert.deepEqual(containerDrift(c, inspect(c.name, undefined)).filter((d) => !d.startsWith("is ")), ["healthcheck differs from the stack's"]);
  });

  it("a container replaced by one this program did not make, or removed, is drift", () => {
    spawnSync("docker", ["rm", "-f", c.name], { stdio: "ignore" });
    docker("run", "-d", "--name", c.name, "debian:bookworm-slim", "sleep", "300");
    assert.ok(containerDrift(c, inspect(c.name, undefined)).includes("replaced by something this program did not deploy (no inputs label)"));
    spawnSync("docker", ["rm", "-f", c.name], { stdio: "ignore" });
    assert.deepEqual(containerDrift(c, inspect(c.name, undefined)), ["removed"]);
  });
});
