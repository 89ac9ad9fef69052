import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { inDependencyOrder } from "../../src/declare/serviceDeployment";
import { ContainerPlan } from "../../src/environment/plan";
import { composeErrors as problemsOf } from "./composeErrors";

const svc = (name: string, deps: string): string => `  ${name}:\n    image: x/${name}:1\n${deps ? `    depends_on: [${deps}]\n` : ""}`;

describe("depends_on: order and cycles", () => {
  it("orders containers after what they depend on, whatever the file's order", () => {
    const c = (service: string, ...deps: string[]): ContainerPlan => ({ service, dependsOn: deps.map((d) => ({ service: d, condition: "service_started" })) }) as unknown as ContainerPlan;
    const order = inDependencyOrder([c("app", "db", "cache"), c("worker", "app"), c("db"), c("cache", "db")]).map((x) => x.service);
    assert.deepEqual(order, ["db", "cache", "app", "worker"]);
  });

  it("refuses a cycle at the depends_on entry that closes it, naming the whole cycle", () => {
    const problems = problemsOf(`services:\n${svc("app", "db")}${svc("db", "cache")}${svc("cache", "app")}`);
    assert.deepEqual(problems, ["10:18: services.cache.depends_on: dependency cycle app → db → cache → app; a service cannot wait for itself, remove one of these dependencies"]);
  });

  it("refuses a service that depends on itself", () => {
    const problems = problemsOf(`services:\n  app:\n    image: x/app:1\n    depends_on:\n      app:\n        condition: service_started\n`);
    assert.deepEqual(problems, ["5:7: services.app.depends_on: dependency cycle app → app; a service cannot wait for itself, remove one of these dependencies"]);
  });

  it("accepts a diamond (two services depending on one)", () => {
    assert.deepEqual(problemsOf(`services:\n${svc("app", "db, cache")}${svc("cache", "db")}${svc("db", "")}`), []);
  });
});
