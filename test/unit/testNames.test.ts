import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ContainerPlan, DeploymentPlan } from "../../src/environment/plan";
import { findProductionNames } from "../../src/environment/rewrite";
import { collectStrings } from "../../src/environment/testNames";
import { planDeployment } from "../../src/pipeline";
import { formatProblem } from "../../src/problems";
import { MemoryFiles } from "../../src/read/files";
import { readSettings, StackSettings } from "../../src/settings";

const DIR = "services/pica-web";
const COMPOSE = `${DIR}/docker-compose.yml`;
const RULES = [{ from: "picasoft.net", to: "test.picasoft.net" }];

/** A service writing a production name in every field compose lets a string reach. */
const EVERYWHERE = `services:
  web:
    image: registry.picasoft.net/pica-web:1.0.0
    build: .
    hostname: web.picasoft.net
    domainname: picasoft.net
    extra_hosts: ["upstream.picasoft.net:10.0.0.25"]
    command: ["serve", "--public-url=https://WEB.PICASOFT.NET/"]
    entrypoint: ["/entry.sh", "--origin", "https%3A%2F%2Fweb%2Epicasoft%2Enet"]
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "https://web.picasoft.net/health"]
    labels:
      traefik.http.routers.web.rule: Host(\`web.picasoft.net\`) || Host(\`www.picasoft.net\`)
      traefik.http.middlewares.www.redirectregex.regex: ^https://www\\.picasoft\\.net/(.*)
      traefik.http.middlewares.www.redirectregex.replacement: https://picasoft.net/$$\{1}
      org.opencontainers.image.url: https://picasoft.net.
    environment:
      SITE_URL: https://web.picasoft.net
    logging:
      driver: json-file
      options:
        tag: web.picasoft.net
    volumes:
      - ./nginx.conf:/etc/nginx/nginx.conf:ro
`;

const FILES = {
  [`${DIR}/README.md`]: "# web\n",
  [`${DIR}/CHANGELOG.md`]: "# 1.0.0\n",
  [`${DIR}/Dockerfile`]: "FROM debian:bookworm-slim\n",
  [COMPOSE]: EVERYWHERE,
  [`${DIR}/nginx.conf`]: 'server_name web.picasoft.net;\nif ($host ~* "^www\\.picasoft\\.net$") { return 301 https://picasoft.net$request_uri; }\n',
};

function settings(config: Record<string, unknown> = {}, stack = "test"): StackSettings {
  const raw: Record<string, unknown> = stack === "test" ? { kind: "test", rewrites: RULES, ...config } : { kind: "prod", ...config };
  const r = readSettings(stack, (k) => (raw[k] === undefined ? undefined : typeof raw[k] === "string" ? (raw[k]) : JSON.stringify(raw[k])));
  assert.deepEqual(r.problems, []);
  return r.settings!;
}

function plan(files: Record<string, string>, s: StackSettings, prodStacks: StackSettings[] = []): DeploymentPlan {
  return planDeployment({ settings: s, view: new MemoryFiles(files), environment: () => undefined, prodStacks });
}

const problems = (p: DeploymentPlan, severity = "error"): string[] => p.problems.filter((x) => x.severity === severity).map((x) => formatProblem(x));

describe("the test stack: no production name survives, in any field or spelling", () => {
  const p = plan(FILES, settings());
  const web = (): ContainerPlan => p.services[0].containers[0];

  it("plans without errors", () => assert.deepEqual(problems(p), []));

  it("rewrites every string field compose can set", () => {
    const c = web();
    assert.equal(c.settings.hostname, "web.test.picasoft.net");
    assert.equal(c.settings.domainname, "test.picasoft.net");
    assert.deepEqual(c.settings.hosts, [{ host: "upstream.test.picasoft.net", ip: "10.0.0.25" }]);
    assert.deepEqual(c.settings.command, ["serve", "--public-url=https://WEB.TEST.PICASOFT.NET/"]);
    assert.deepEqual(c.settings.entrypoint, ["/entry.sh", "--origin", "https%3A%2F%2Fweb%2Etest%2Epicasoft%2Enet"]);
    assert.deepEqual(c.healthcheck?.tests, ["CMD", "wget", "-q", "-O", "/dev/null", "https://web.test.picasoft.net/health"]);
    assert.equal(c.labels["traefik.http.routers.web.rule"], "Host(`web.test.picasoft.net`) || Host(`www.test.picasoft.net`)");
    assert.equal(c.labels["org.opencontainers.image.url"], "https://test.picasoft.net.");
    assert.equal(c.env.find((e) => e.name === "SITE_URL")?.value, "https://web.test.picasoft.net");
    assert.deepEqual(c.settings.logOpts, { tag: "web.test.picasoft.net" });
  });

  it("keeps an escaped regex a valid regex, for the test domain (a Traefik redirectregex middleware)", () => {
    const regex = new RegExp(web().labels["traefik.http.middlewares.www.redirectregex.regex"]);
    assert.ok(regex.test("https://www.test.picasoft.net/page"));
    assert.ok(!regex.test("https://www.picasoft.net/page"));
    assert.equal(web().labels["traefik.http.middlewares.www.redirectregex.replacement"], "https://test.picasoft.net/${1}");
  });

  it("rewrites mounted files in every spelling, and never image names", () => {
    const conf = web().uploads.find((u) => u.target === "/etc/nginx/nginx.conf")!.content!;
    assert.equal(conf, 'server_name web.test.picasoft.net;\nif ($host ~* "^www\\.test\\.picasoft\\.net$") { return 301 https://test.picasoft.net$request_uri; }\n');
    assert.equal(p.services[0].builtImages[0].imageName, "registry.picasoft.net/pica-web:1.0.0");
  });

  it("leaves no production name in any input of the container (the registry host of image names excepted)", () => {
    const left = collectStrings({ ...web(), image: undefined }).flatMap((s) => findProductionNames(s, RULES, ["registry.picasoft.net"]));
    assert.deepEqual(left, []);
  });

  it("counts the rewrites per compose key and file, for check", () => {
    assert.deepEqual(p.services[0].rewrites, {
      command: 1, domainname: 1, entrypoint: 1, environment: 1, extra_hosts: 1, "file services/pica-web/nginx.conf": 3, healthcheck: 1, hostname: 1, labels: 5, logging: 1,
    });
  });

  it("prod rewrites nothing", () => {
    const prod = plan({ ...FILES, [COMPOSE]: EVERYWHERE.replace("    build: .\n", "    build: .\n") }, settings({}, "prod"));
    assert.equal(prod.services[0].containers[0].settings.hostname, "web.picasoft.net");
  });
});

describe("the test stack: what cannot be rewritten is an error at its line", () => {
  const withLines = (...lines: string[]): Record<string, string> => ({ ...FILES, [COMPOSE]: EVERYWHERE.replace("    build: .\n", `    build: .\n${lines.map((l) => `    ${l}\n`).join("")}`) });

  it("a container name", () => {
    assert.deepEqual(problems(plan(withLines("container_name: web.picasoft.net"), settings())), [
      `${COMPOSE}:5:21: error: services.web.container_name: production name picasoft.net left on the test stack (a name or path here is not rewritten on the test stack); change it, or add it to the test stack's keepProductionNames with a reason if it must stay`,
    ]);
  });

  it("a build arg: it would be built into the test image", () => {
    const files = { ...FILES, [COMPOSE]: EVERYWHERE.replace("    build: .\n", "    build:\n      context: .\n      args:\n        BASE_URL: https://web.picasoft.net\n") };
    const errors = problems(plan(files, settings()));
    assert.equal(errors.length, 1, errors.join("\n"));
    assert.match(errors[0], /^services\/pica-web\/docker-compose\.yml:7:19: error: services\.web\.build\.args\.BASE_URL: production name picasoft\.net would be built into the test image/);
  });

  it("a path inside the container", () => {
    const errors = problems(plan(withLines("working_dir: /srv/web.picasoft.net"), settings()));
    assert.equal(errors.length, 1, errors.join("\n"));
    assert.match(errors[0], /:5:18: error: services\.web\.working_dir: production name picasoft\.net left on the test stack/);
  });

  it("keepProductionNames keeps a name with its reason, and warns about an entry that matches nothing", () => {
    const keep = [{ name: "upstream.picasoft.net", reason: "the upstream relay has no test twin" }, { name: "gone.picasoft.net", reason: "an old relay" }];
    const kept = plan(FILES, settings({ keepProductionNames: keep }));
    assert.deepEqual(problems(kept), []);
    assert.deepEqual(kept.services[0].containers[0].settings.hosts, [{ host: "upstream.picasoft.net", ip: "10.0.0.25" }]);
    assert.deepEqual(problems(kept, "warning"), ["Pulumi.test.yaml: warning: keepProductionNames: 'gone.picasoft.net' (an old relay) is in no input of the stack; remove it"]);
  });

  it("keepProductionNames needs a reason, and is for test stacks only", () => {
    const noReason = readSettings("test", (k) => (k === "kind" ? "test" : k === "keepProductionNames" ? JSON.stringify([{ name: "a.picasoft.net" }]) : undefined));
    assert.match(noReason.problems[0].message, /keepProductionNames' must be a list of \{name, reason\}/);
    const onProd = readSettings("prod", (k) => (k === "kind" ? "prod" : k === "keepProductionNames" ? JSON.stringify([{ name: "a.picasoft.net", reason: "r" }]) : undefined));
    assert.match(onProd.problems[0].message, /is for test stacks only/);
  });
});

describe("the test stack never reaches a prod machine", () => {
  it("refuses a Docker host the prod stack uses, naming both settings", () => {
    const prod = settings({ hosts: { "pica-web": "ssh://root@pica01:22" } }, "prod");
    const errors = problems(plan(FILES, settings({ dockerHost: "ssh://deploy@pica01" }), [prod]));
    assert.deepEqual(errors, ["Pulumi.test.yaml: error: config key 'dockerHost' (ssh://deploy@pica01) is a machine the prod stack deploys to (Pulumi.prod.yaml: 'hosts.pica-web', ssh://root@pica01:22); the test stack must run on a test machine"]);
    assert.deepEqual(problems(plan(FILES, settings({ dockerHost: "ssh://deploy@pica01-test" }), [prod])), []);
  });
});
