/**
 * The lean container and command (src/declare/leanResources.ts) send the engine the same registration
 * as @pulumi/docker's Container and @pulumi/command's Command given the same arguments: type, inputs,
 * dependencies, plugin version and options. Only their name differs. Checked on the requests the SDK
 * sends to the mock monitor, for arguments like the program's (values, outputs, secrets, undefined).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { Command, COMMAND_TYPE, Container } from "../../src/declare/leanResources";
import { DOCKER_TYPES } from "../../src/read/dockerResources";

const requests = new Map<string, Record<string, unknown>>();
const outputs = new Map<string, Record<string, unknown>>();

before(() => {
  void pulumi.runtime.setMocks({
    newResource(args) {
      // What a provider answers: every input back, plus outputs of its own.
      const state = { ...args.inputs, ...(args.type === COMMAND_TYPE ? { stdout: `out of ${args.name}` } : { exitCode: 0 }) };
      outputs.set(args.name, state);
      return { id: `${args.name}-id`, state };
    },
    call: () => ({}),
  }, "lean", "test", false);
  const monitor = pulumi.runtime.getMonitor() as { registerResource: (req: any, callback: unknown) => unknown };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    requests.set(req.getName(), req.toObject());
    return register(req, callback);
  };
});

/** A registration without what names it (its name, and the source position the SDK adds). */
function withoutName(name: string): Record<string, unknown> {
  const req = requests.get(name);
  assert.ok(req, `${name} was registered`);
  const { name: _name, sourceposition: _position, stacktrace: _trace, ...rest } = req;
  return rest;
}

const settled = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

describe("lean provider resources: the engine receives what the typed classes send", () => {
  it("a container: same type, inputs, dependencies, plugin version and options; its name and ID read back", async () => {
    const image = new Command("image-build", { create: "docker build .", triggers: ["h1"] });
    const args = (tag: string): docker.ContainerArgs => ({
      name: `pica-${tag}`,
      image: image.stdout,
      envs: [pulumi.secret("TOKEN=s3cr3t"), "SITE=https://example.test"],
      labels: [{ label: "dockerfiles.inputs", value: "abc" }],
      restart: "unless-stopped",
      healthcheck: { tests: ["CMD", "true"], interval: "2s" },
      ports: undefined,
      mustRun: true,
    });
    const opts = { dependsOn: [image], deleteBeforeReplace: true, replaceOnChanges: ["healthcheck"] };
    new docker.Container("typed", args("web"), opts);
    const lean = new Container("lean", args("web"), opts);
    await settled();
    assert.deepEqual(withoutName("lean"), withoutName("typed"));
    assert.equal(requests.get("lean")!.type, DOCKER_TYPES.container);
    assert.equal((docker.Container as unknown as { __pulumiType: string }).__pulumiType, DOCKER_TYPES.container);
    assert.equal(await new Promise((resolve) => lean.name.apply(resolve)), "pica-web");
    assert.equal(await new Promise((resolve) => lean.id.apply(resolve)), "lean-id");
  });

  it("a command: same registration, a trigger's change still replaces it, and its standard output read back", async () => {
    const args: command.local.CommandArgs = {
      interpreter: ["/bin/bash", "-c", "echo hi", "dockerfiles"],
      create: "make-way",
      environment: { WHO: "web", SECRET: pulumi.secret("x") },
      triggers: ["h1", pulumi.output("h2")],
      logging: "stderr",
      delete: undefined,
    };
    new command.local.Command("typed-command", args, { retainOnDelete: true });
    const lean = new Command("lean-command", args, { retainOnDelete: true });
    await settled();
    assert.deepEqual(withoutName("lean-command"), withoutName("typed-command"));
    assert.deepEqual(requests.get("lean-command")!.replaceonchangesList, ["triggers[*]"]);
    assert.equal((command.local.Command as unknown as { __pulumiType: string }).__pulumiType, COMMAND_TYPE);
    assert.equal(await new Promise((resolve) => lean.stdout.apply(resolve)), "out of lean-command");
  });

  it("gives the SDK only the properties that have a value, and the outputs read", () => {
    const lean = new Container("count-lean", { name: "n", image: "busybox", ports: undefined });
    const typed = new docker.Container("count-typed", { name: "n", image: "busybox" });
    const outputsOf = (r: object): string[] => Object.keys(r).filter((k) => pulumi.Output.isInstance((r as Record<string, unknown>)[k]));
    assert.deepEqual(outputsOf(lean).sort(), ["id", "image", "name", "urn"]);
    assert.ok(outputsOf(typed).length > 70, `the typed class makes ${outputsOf(typed).length} outputs`);
  });
});
