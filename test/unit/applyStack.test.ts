import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { planDeployment } from "../../src/pipeline";
import { MemoryFiles } from "../../src/read/files";
import { readSettings, StackSettings } from "../../src/settings";
import { DeploymentPlan, ContainerPlan } from "../../src/environment/plan";
import { unpinnedReason } from "../../src/environment/applyStack";
import { Problem } from "../../src/problems";

const DIR = "services/pica-demo";
const COMPOSE = `${DIR}/docker-compose.yml`;

const COMPOSE_TEXT = `services:
  app:
    image: registry.picasoft.net/pica-demo:1.0.0
    build:
      context: .
      args:
        SITE_NAME: demo
    env_file: ./secrets/app.secrets
    environment:
      SITE_URL: https://demo.picasoft.net
      PLAIN: no-domain-here
    labels:
      traefik.enable: "true"
      traefik.http.routers.demo.rule: Host(\`demo.picasoft.net\`)
      org.picasoft.homepage: https://demo.picasoft.net
    volumes:
      - ./config/app.conf:/etc/app/app.conf:ro
    secrets:
      - db_password
  mirror:
    image: picasoft.net/mirror:2.0
    environment:
      UPSTREAM: https://mirror.picasoft.net
secrets:
  db_password:
    file: ./secrets/db_password.secret
`;

/** One service folder, valid on both stacks once real secrets are given on prod. */
const BASE: Record<string, string> = {
  [`${DIR}/README.md`]: "# Demo\n",
  [`${DIR}/CHANGELOG.md`]: "# 1.0.0\n",
  [`${DIR}/Dockerfile`]: "FROM alpine:3.20\n",
  [COMPOSE]: COMPOSE_TEXT,
  [`${DIR}/config/app.conf`]: "server_name demo.picasoft.net;\npull registry.picasoft.net/base:1;\n",
  [`${DIR}/secrets/app.secrets.example`]: "# dummy values\nAPP_KEY=example-key\nAPP_URL=https://demo.picasoft.net\n",
  [`${DIR}/secrets/db_password.secret.example`]: "example-db-password\n",
};

function settings(stack: "test" | "prod", config: Record<string, unknown> = {}): StackSettings {
  const raw: Record<string, unknown> = stack === "test" ? { kind: "test", rewrites: [{ from: "picasoft.net", to: "test.picasoft.net" }], ...config } : { kind: "prod", ...config };
  const r = readSettings(stack, (k) => (raw[k] === undefined ? undefined : typeof raw[k] === "string" ? (raw[k]) : JSON.stringify(raw[k])));
  assert.deepEqual(r.problems, []);
  return r.settings!;
}

function plan(files: Record<string, string>, s: StackSettings, environment: Record<string, string> = {}): DeploymentPlan {
  return planDeployment({ settings: s, view: new MemoryFiles(files), environment: (n) => environment[n] });
}

const errors = (p: DeploymentPlan): Problem[] => p.problems.filter((x) => x.severity === "error");

function container(p: DeploymentPlan, service: string): ContainerPlan {
  assert.deepEqual(errors(p), []);
  const c = p.services.flatMap((s) => s.containers).find((x) => x.service === service);
  assert.ok(c, `container for ${service}`);
  return c;
}

const envOf = (c: ContainerPlan) => Object.fromEntries(c.env.map((e) => [e.name, e.value]));

/** Prod inputs that satisfy every secret: the real env file on disk plus the file secret from config. */
const PROD_FILES: Record<string, string> = { ...BASE, [`${DIR}/secrets/app.secrets`]: "APP_KEY=real-key\nAPP_URL=https://demo.picasoft.net/real\n" };
const PROD_CONFIG = { secrets: { "pica-demo": { db_password: "real-db-password" } } };

describe("test stack: rewrites", () => {
  const p = plan(BASE, settings("test"));
  const app = container(p, "app");
  const mirror = container(p, "mirror");

  it("plans without errors", () => {
    assert.deepEqual(errors(p), []);
    assert.deepEqual(p.services.map((s) => s.folder), ["pica-demo"]);
  });

  it("rewrites every label, Traefik's and the others: no production name reaches a test container", () => {
    assert.equal(app.labels["traefik.http.routers.demo.rule"], "Host(`demo.test.picasoft.net`)");
    assert.equal(app.labels["org.picasoft.homepage"], "https://demo.test.picasoft.net");
  });

  it("rewrites environment values", () => {
    assert.equal(envOf(app).SITE_URL, "https://demo.test.picasoft.net");
    assert.equal(envOf(app).PLAIN, "no-domain-here");
    assert.equal(envOf(mirror).UPSTREAM, "https://mirror.test.picasoft.net");
  });

  it("rewrites the content of bind-mounted config files, delivered as uploads", () => {
    const upload = app.uploads.find((u) => u.target === "/etc/app/app.conf");
    assert.ok(upload);
    assert.equal(upload.content, "server_name demo.test.picasoft.net;\npull registry.picasoft.net/base:1;\n");
    assert.equal(upload.secret, false);
    assert.equal(upload.origin, `${DIR}/config/app.conf`);
    assert.deepEqual(app.mounts, [], "a file of the folder is uploaded, not bind-mounted");
  });

  it("never rewrites image names nor build args", () => {
    assert.deepEqual(app.image, { built: "app", buildHash: p.services[0].builtImages[0].buildHash });
    const built = p.services[0].builtImages;
    assert.deepEqual(built.map((b) => [b.imageName, b.args, b.push]), [["registry.picasoft.net/pica-demo:1.0.0", { SITE_NAME: "demo" }, false]]);
    assert.deepEqual(mirror.image, { remote: "picasoft.net/mirror:2.0" });
    assert.deepEqual(p.services[0].remoteImages, ["picasoft.net/mirror:2.0"]);
  });
});

describe("test stack: secrets", () => {
  it("uses the values of secrets/*.secrets.example as env, marked secret (and rewritten)", () => {
    const app = container(plan(BASE, settings("test")), "app");
    assert.deepEqual(
      app.env.filter((e) => e.secret),
      [
        { name: "APP_KEY", value: "example-key", secret: true },
        { name: "APP_URL", value: "https://demo.test.picasoft.net", secret: true },
      ],
    );
  });

  it("delivers a compose secret's example at /run/secrets/<name>, flagged secret", () => {
    const app = container(plan(BASE, settings("test")), "app");
    const u = app.uploads.find((x) => x.target === "/run/secrets/db_password");
    assert.ok(u);
    assert.equal(u.content, "example-db-password\n");
    assert.equal(u.secret, true);
  });

  it("a missing example is an error at the env_file's position in the compose file", () => {
    const files = { ...BASE };
    delete files[`${DIR}/secrets/app.secrets.example`];
    const e = errors(plan(files, settings("test")));
    assert.equal(e.length, 1);
    assert.deepEqual([e[0].file, e[0].line, e[0].column], [COMPOSE, 8, 15]);
    assert.match(e[0].message, /secrets\/app\.secrets has no committed example .*app\.secrets\.example/);
  });

  it("a missing example of a compose secret is an error at the service's secrets entry", () => {
    const files = { ...BASE };
    delete files[`${DIR}/secrets/db_password.secret.example`];
    const e = errors(plan(files, settings("test")));
    assert.equal(e.length, 1);
    assert.deepEqual([e[0].file, e[0].line, e[0].column], [COMPOSE, 19, 9]);
    assert.match(e[0].message, /secret 'db_password'/);
  });

  it("the test stack ignores real secret files", () => {
    const app = container(plan(PROD_FILES, settings("test")), "app");
    assert.equal(envOf(app).APP_KEY, "example-key");
  });
});

describe("prod stack: secrets", () => {
  it("takes values from the real secrets file and from configured secrets", () => {
    const p = plan(PROD_FILES, settings("prod", PROD_CONFIG));
    const app = container(p, "app");
    assert.deepEqual(app.env.filter((e) => e.secret), [
      { name: "APP_KEY", value: "real-key", secret: true },
      { name: "APP_URL", value: "https://demo.picasoft.net/real", secret: true },
    ]);
    const u = app.uploads.find((x) => x.target === "/run/secrets/db_password");
    assert.deepEqual(u && [u.content, u.secret], ["real-db-password", true]);
    assert.equal(envOf(app).SITE_URL, "https://demo.picasoft.net", "no rewrite on prod");
    assert.equal(p.services[0].builtImages[0].push, true);
  });

  it("takes env-file secrets from the 'secrets' config object, overriding the file", () => {
    const config = { secrets: { "pica-demo": { db_password: "real-db-password", app: { APP_KEY: "from-config", APP_URL: "https://x" } } } };
    const app = container(plan(BASE, settings("prod", config)), "app");
    assert.deepEqual(app.env.filter((e) => e.secret).map((e) => [e.name, e.value]), [
      ["APP_KEY", "from-config"],
      ["APP_URL", "https://x"],
    ]);
  });

  it("takes a compose secret from the real file when it is not configured", () => {
    const files = { ...PROD_FILES, [`${DIR}/secrets/db_password.secret`]: "on-disk-password\n" };
    const app = container(plan(files, settings("prod")), "app");
    assert.equal(app.uploads.find((x) => x.target === "/run/secrets/db_password")?.content, "on-disk-password\n");
  });

  it("refuses a real secret equal to its example, naming the key", () => {
    const files = { ...PROD_FILES, [`${DIR}/secrets/app.secrets`]: "APP_KEY=example-key\nAPP_URL=https://real\n" };
    const e = errors(plan(files, settings("prod", PROD_CONFIG)));
    assert.equal(e.length, 1);
    assert.match(e[0].message, /prod secret APP_KEY .*equals its example value/);
    assert.deepEqual([e[0].file, e[0].line], [`${DIR}/secrets/app.secrets.example`, 2]);
  });

  it("refuses a compose secret equal to its example", () => {
    const e = errors(plan(PROD_FILES, settings("prod", { secrets: { "pica-demo": { db_password: "example-db-password" } } })));
    assert.equal(e.length, 1);
    assert.match(e[0].message, /prod secret 'db_password' equals its example/);
  });

  it("requires a value for every key of the example, naming the key and the file", () => {
    const files = { ...PROD_FILES, [`${DIR}/secrets/app.secrets`]: "APP_KEY=real-key\n" };
    const e = errors(plan(files, settings("prod", PROD_CONFIG)));
    assert.equal(e.length, 1);
    assert.match(e[0].message, /prod secret APP_URL has no value/);
    assert.match(e[0].message, /services\/pica-demo\/secrets\/app\.secrets/);
    assert.deepEqual([e[0].file, e[0].line], [`${DIR}/secrets/app.secrets.example`, 3]);
  });

  it("without any prod value, every key and the compose secret are errors", () => {
    const e = errors(plan(BASE, settings("prod")));
    assert.equal(e.length, 3, e.map((x) => x.message).join("\n"));
    assert.ok(e.some((x) => /APP_KEY has no value/.test(x.message)));
    assert.ok(e.some((x) => /APP_URL has no value/.test(x.message)));
    assert.ok(e.some((x) => /prod secret 'db_password' has no value/.test(x.message)));
  });

  it("a missing example is an error on prod too", () => {
    const files = { ...PROD_FILES };
    delete files[`${DIR}/secrets/app.secrets.example`];
    const e = errors(plan(files, settings("prod", PROD_CONFIG)));
    assert.equal(e.length, 1);
    assert.deepEqual([e[0].file, e[0].line, e[0].column], [COMPOSE, 8, 15]);
  });
});

describe("image pinning", () => {
  for (const image of ["nginx", "nginx:latest", "library/nginx", "localhost:5000/nginx"]) {
    it(`'${image}' is an error at the image`, () => {
      const files = { ...BASE, [COMPOSE]: COMPOSE_TEXT.replace("picasoft.net/mirror:2.0", image) };
      const e = errors(plan(files, settings("test")));
      assert.equal(e.length, 1, e.map((x) => x.message).join("\n"));
      assert.deepEqual([e[0].file, e[0].line, e[0].column], [COMPOSE, 21, 12]);
      assert.match(e[0].message, new RegExp(`services\\.mirror\\.image '${image}' (has no tag|uses the tag 'latest')`));
    });
  }
  it("tags and digests are pinned; a registry port is not a tag", () => {
    assert.equal(unpinnedReason("nginx:1.27"), undefined);
    assert.equal(unpinnedReason("localhost:5000/nginx:1.27"), undefined);
    assert.equal(unpinnedReason("nginx@sha256:" + "0".repeat(64)), undefined);
    assert.equal(unpinnedReason("localhost:5000/nginx"), "has no tag");
  });
});

describe("inputs hash", () => {
  it("is identical for identical inputs and carried as a label", () => {
    const a = container(plan(BASE, settings("test")), "app");
    const b = container(plan({ ...BASE }, settings("test")), "app");
    assert.match(a.inputsHash, /^[0-9a-f]{16}$/);
    assert.equal(a.inputsHash, b.inputsHash);
    assert.equal(a.labels["dockerfiles.inputs"], a.inputsHash);
  });

  it("changes when a non-secret input changes", () => {
    const a = container(plan(BASE, settings("test")), "app");
    const files = { ...BASE, [`${DIR}/config/app.conf`]: "server_name other.picasoft.net;\n" };
    const b = container(plan(files, settings("test")), "app");
    assert.notEqual(a.inputsHash, b.inputsHash);
  });

  it("excludes secret values: changing only prod secret values keeps the hash", () => {
    const a = container(plan(PROD_FILES, settings("prod", PROD_CONFIG)), "app");
    const files = { ...PROD_FILES, [`${DIR}/secrets/app.secrets`]: "APP_KEY=another-real-key\nAPP_URL=https://elsewhere\n" };
    const b = container(plan(files, settings("prod", { secrets: { "pica-demo": { db_password: "another-db-password" } } })), "app");
    assert.notEqual(envOf(a).APP_KEY, envOf(b).APP_KEY);
    assert.equal(a.inputsHash, b.inputsHash);
  });

  it("differs between stacks (the stack is part of the identity)", () => {
    const t = container(plan(PROD_FILES, settings("test")), "mirror");
    const p = container(plan(PROD_FILES, settings("prod", PROD_CONFIG)), "mirror");
    assert.notEqual(t.inputsHash, p.inputsHash);
  });
});

describe("plans do not depend on documentation", () => {
  it("a README-only change leaves every plan equal", () => {
    const changed = { ...BASE, [`${DIR}/README.md`]: "# Demo\n\nA much longer README mentioning demo.picasoft.net.\n" };
    for (const [files, s] of [
      [[BASE, changed], settings("test")],
      [[PROD_FILES, { ...PROD_FILES, [`${DIR}/README.md`]: "changed\n" }], settings("prod", PROD_CONFIG)],
    ] as const) {
      const before = plan(files[0], s);
      const after = plan(files[1], s);
      assert.deepEqual(errors(before), []);
      assert.equal(JSON.stringify(after), JSON.stringify(before));
    }
  });
});
