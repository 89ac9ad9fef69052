import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { CONTAINER, Declared, commandEnv, COMMAND, find, isSecret, NETWORK, PROD_SECRETS as SECRETS, runProgram, unwrap, VOLUME } from "./recorder";

describe("services on several machines (mocks)", () => {
  let d: Declared;
  before(async () => {
    d = await runProgram(
      "prod",
      {
        kind: "prod",
        dockerHost: "ssh://deploy@pica01",
        hosts: { "pica-pad": "ssh://deploy@pica02" },
        registry: { server: "registry.picasoft.net", username: "deploy", password: "registry-pass" },
        secrets: SECRETS,
      },
      { secretKeys: ["secrets", "registry"] },
    );
  });

  it("declares one Docker provider per machine, with the registry credentials as a secret", () => {
    const providers = d.resources.filter((r) => r.type === "pulumi:providers:docker");
    assert.deepEqual(providers.map((p) => p.name).sort(), ["host/deploy@pica01", "host/deploy@pica02"]);
    const pica02 = providers.find((p) => p.name === "host/deploy@pica02")!;
    assert.equal(unwrap(pica02.inputs.host), "ssh://deploy@pica02");
    assert.ok(isSecret(pica02.inputs.registryAuth) || JSON.stringify(pica02.inputs.registryAuth).includes("4dabf18193072939515e22adb298388d"));
  });

  it("puts every resource of a service on its machine", () => {
    const onHost = (name: string, type: string): string => String(find(d, type, name).provider);
    assert.match(onHost("pica-pad/app", CONTAINER), /::host\/deploy@pica02::/);
    assert.match(onHost("pica-pad/db", VOLUME), /::host\/deploy@pica02::/);
    assert.match(onHost("pica-pad/db", NETWORK), /::host\/deploy@pica02::/);
    assert.match(onHost("pica-static/web", CONTAINER), /::host\/deploy@pica01::/);
    // Builds and health waits run the docker CLI against the service's machine.
    assert.equal(commandEnv(find(d, COMMAND, "pica-static/web/image")).DOCKER_HOST, "ssh://deploy@pica01");
    assert.equal(commandEnv(find(d, COMMAND, "pica-pad/db/healthy")).DOCKER_HOST, "ssh://deploy@pica02");
    assert.match(onHost("pica-mattermost/db", CONTAINER), /::host\/deploy@pica01::/);
  });
});
