import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryFiles } from "../../src/read/files";
import { planDeployment } from "../../src/pipeline";
import { ENCRYPTED, readSettings } from "../../src/settings";

const config = (c: Record<string, unknown>) => (k: string) => (c[k] === undefined ? undefined : typeof c[k] === "string" ? (c[k]) : JSON.stringify(c[k]));

describe("stack settings", () => {
  it("defaults kind to the stack name for test and prod only", () => {
    assert.equal(readSettings("test", config({})).settings?.kind, "test");
    assert.equal(readSettings("prod", config({})).settings?.kind, "prod");
    const other = readSettings("staging", config({}));
    assert.equal(other.settings, undefined);
    assert.match(other.problems[0].message, /config key 'kind' must be 'test' or 'prod'/);
    assert.equal(other.problems[0].file, "Pulumi.staging.yaml");
  });

  it("reads handoverSeconds: 3 by default, a whole number of seconds from 1 to 60", () => {
    assert.equal(readSettings("prod", config({})).settings?.handoverSeconds, 3);
    assert.equal(readSettings("prod", config({ handoverSeconds: "6" })).settings?.handoverSeconds, 6);
    for (const bad of ["0", "2.5", "61", "soon"]) {
      assert.match(readSettings("prod", config({ handoverSeconds: bad })).problems[0]?.message ?? "", /config key 'handoverSeconds' must be a whole number of seconds from 1 to 60 \(Traefik's providersThrottleDuration plus one\)/, bad);
    }
  });

  it("reads traefikOutsideDocker: false by default, a boolean", () => {
    assert.equal(readSettings("test", config({})).settings?.traefikOutsideDocker, false);
    assert.equal(readSettings("prod", config({ traefikOutsideDocker: "true" })).settings?.traefikOutsideDocker, true);
    assert.match(readSettings("prod", config({ traefikOutsideDocker: "sometimes" })).problems[0]?.message ?? "", /traefikOutsideDocker/);
  });

  it("refuses rewrites on prod", () => {
    const r = readSettings("prod", config({ rewrites: [{ from: "picasoft.net", to: "test.picasoft.net" }] }));
    assert.match(r.problems.map((p) => p.message).join("\n"), /'rewrites' is for test stacks only/);
  });

  it("accepts Docker host URIs only", () => {
    assert.deepEqual(readSettings("prod", config({ hosts: { "pica-pad": "ssh://deploy@pica02" }, dockerHost: "unix:///var/run/docker.sock" })).problems, []);
    assert.match(readSettings("prod", config({ hosts: { "pica-pad": "pica02" } })).problems[0].message, /'hosts' must map service folders to Docker hosts/);
    assert.match(readSettings("prod", config({ dockerHost: "pica01" })).problems[0].message, /'dockerHost' must be a Docker host such as ssh:\/\/deploy@pica01/);
  });

  it("reports a host given for a folder that does not exist", () => {
    const { settings } = readSettings("test", config({ hosts: { "pica-nope": "ssh://deploy@pica02" } }));
    const view = new MemoryFiles({
      "services/pica-a/docker-compose.yml": "services:\n  web:\n    image: nginx:1.27\n",
      "services/pica-a/README.md": "# a\n",
    });
    const plan = planDeployment({ settings: settings!, view, environment: () => undefined });
    assert.match(plan.problems.map((p) => `${p.file}: ${p.message}`).join("\n"), /Pulumi\.test\.yaml: config key 'hosts' names 'pica-nope', which is not a service folder of services/);
  });

  it("reports a folder's problems of every stage at once, and never plans a folder with an error", () => {
    const { settings } = readSettings("test", config({}));
    const view = new MemoryFiles({
      "services/pica-a/README.md": "# a\n",
      "services/pica-a/docker-compose.yml": "services:\n  web:\n    image: nginx\n    restart: sometimes\n    env_file: ./secrets/web.secrets\n",
      "services/pica-b/README.md": "# b\n",
      "services/pica-b/docker-compose.yml": "services:\n  web:\n    image: nginx:1.27\n",
    });
    const plan = planDeployment({ settings: settings!, view, environment: () => undefined });
    const errors = plan.problems.filter((p) => p.severity === "error").map((p) => `${p.file}:${p.line}: ${p.message}`);
    assert.equal(errors.length, 3, errors.join("\n"));
    assert.match(errors.join("\n"), /:4: services\.web\.restart must be no, always, unless-stopped or on-failure\[:N\], not 'sometimes'/);
    assert.match(errors.join("\n"), /:3: services\.web\.image 'nginx' has no tag/);
    assert.match(errors.join("\n"), /:5: env_file services\/pica-a\/secrets\/web\.secrets has no committed example/);
    assert.deepEqual(plan.services.map((s) => s.folder), ["pica-b"]);
  });

  it("refuses a host port published on all addresses by one service and on one address by another", () => {
    const files = {
      "services/pica-a/docker-compose.yml": "services:\n  web:\n    image: nginx:1.27\n    ports: ['127.0.0.1:8080:80', '9090:90/udp']\n",
      "services/pica-b/docker-compose.yml": "services:\n  web:\n    image: nginx:1.27\n    ports: ['8080:80', '9090:90']\n",
    };
    const plan = planDeployment({ settings: readSettings("test", config({})).settings!, view: new MemoryFiles(files), environment: () => undefined });
    const errors = plan.problems.filter((p) => p.severity === "error").map((p) => `${p.file}:${p.line}:${p.column}: ${p.message}`);
    assert.deepEqual(errors, ["services/pica-b/docker-compose.yml:4:13: host port 0.0.0.0:8080/tcp of pica-b/web is already published by pica-a/web (services/pica-a/docker-compose.yml) (on 127.0.0.1) on the default Docker host; publish another port"]);
  });

  it("allows the same container name on two machines, not on one", () => {
    const files = {
      "services/pica-a/docker-compose.yml": "services:\n  web:\n    image: nginx:1.27\n    container_name: web\n    ports: ['8080:80']\n",
      "services/pica-b/docker-compose.yml": "services:\n  web:\n    image: nginx:1.27\n    container_name: web\n    ports: ['8080:80']\n",
    };
    const oneHost = readSettings("test", config({})).settings!;
    const clash = planDeployment({ settings: oneHost, view: new MemoryFiles(files), environment: () => undefined });
    const messages = clash.problems.filter((p) => p.severity === "error").map((p) => p.message);
    assert.ok(messages.some((m) => /container name 'web' of pica-b\/web is already used by pica-a\/web/.test(m)));
    assert.ok(messages.some((m) => /host port 0\.0\.0\.0:8080\/tcp of pica-b\/web is already published by pica-a\/web/.test(m)));
    // Each conflict is reported at the line of the second one, in its own compose file.
    const located = clash.problems.filter((p) => p.severity === "error").map((p) => `${p.file}:${p.line}:${p.column}`);
    assert.deepEqual(located.sort(), ["services/pica-b/docker-compose.yml:4:21", "services/pica-b/docker-compose.yml:5:13"]);
    const twoHosts = readSettings("test", config({ hosts: { "pica-b": "ssh://deploy@pica02" } })).settings!;
    const ok = planDeployment({ settings: twoHosts, view: new MemoryFiles(files), environment: () => undefined });
    assert.deepEqual(ok.problems.filter((p) => p.severity === "error"), []);
  });
});

describe("another compose repository: the organisation's conventions as warnings", () => {
  const files = {
    // No README, no CHANGELOG, a home-built image outside the registry, an unpinned image.
    "services/app/docker-compose.yml": "services:\n  web:\n    image: example/web:1.0\n    build: .\n  cache:\n    image: redis\n",
    "services/app/Dockerfile": "FROM debian:bookworm-slim\n",
  };
  const settingsWith = (conventions?: string) => readSettings("test", (k) => (k === "kind" ? "test" : k === "conventions" ? conventions : undefined));

  it("are errors by default, for check and deploy alike", () => {
    const plan = planDeployment({ settings: settingsWith().settings!, view: new MemoryFiles(files), environment: () => undefined }, { forCheck: true });
    const errors = plan.problems.filter((p) => p.severity === "error").map((p) => p.message);
    assert.equal(errors.length, 4, errors.join("\n"));
    assert.deepEqual(plan.services, []);
  });

  it("become warnings with conventions: warnings, and the folder deploys; compose rules stay errors", () => {
    const plan = planDeployment({ settings: settingsWith("warnings").settings!, view: new MemoryFiles(files), environment: () => undefined }, { forCheck: true });
    assert.deepEqual(plan.problems.filter((p) => p.severity === "error"), []);
    assert.equal(plan.problems.filter((p) => p.severity === "warning").length, 4);
    assert.deepEqual(plan.services.map((s) => s.folder), ["app"]);
    const broken = { ...files, "services/app/docker-compose.yml": files["services/app/docker-compose.yml"] + "    restart: sometimes\n" };
    const still = planDeployment({ settings: settingsWith("warnings").settings!, view: new MemoryFiles(broken), environment: () => undefined }, { forCheck: true });
    assert.match(still.problems.filter((p) => p.severity === "error").map((p) => p.message).join("\n"), /restart must be no, always/);
  });

  it("refuses any other value", () => {
    assert.match(settingsWith("sometimes").problems[0].message, /config key 'conventions' must be 'errors'/);
  });
});

describe("snapshot settings", () => {
  it("are on by default on prod only, in a folder per stack, the newest 5 kept", () => {
    assert.deepEqual(readSettings("prod", config({})).settings?.snapshots, { directory: "/var/backups/dockerfiles/prod", keep: 5, image: "debian:bookworm-slim" });
    assert.equal(readSettings("test", config({})).settings?.snapshots, undefined);
    assert.deepEqual(readSettings("test", config({ snapshots: { directory: "/srv/snap/", keep: 2 } })).settings?.snapshots, { directory: "/srv/snap", keep: 2, image: "debian:bookworm-slim" });
  });

  it("are turned off with keep: 0, and refuse a relative folder or a negative count", () => {
    assert.equal(readSettings("prod", config({ snapshots: { keep: 0 } })).settings?.snapshots, undefined);
    assert.match(readSettings("prod", config({ snapshots: { directory: "backups" } })).problems[0].message, /config key 'snapshots' must be .*absolute path/);
    assert.match(readSettings("prod", config({ snapshots: { keep: -1 } })).problems[0].message, /config key 'snapshots'/);
  });

  it("read a whole structured value set with --secret, without its passphrase, as unknown rather than malformed", () => {
    const read = readSettings("prod", config({ secrets: ENCRYPTED, registry: ENCRYPTED }));
    assert.deepEqual(read.problems, []);
    assert.deepEqual(read.settings?.secrets, {});
  });
});
