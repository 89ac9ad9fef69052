import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { loadComposeDocument } from "../../src/validate/composeDocument";
import { buildComposeProject, ComposeProject, parsePort, PortMapping, ServiceDefinition } from "../../src/validate/composeProject";
import { parseDuration, goDuration } from "../../src/validate/durations";
import { splitCommand } from "../../src/validate/shellWords";
import { MemoryFiles } from "../../src/read/files";
import { ServiceFolder } from "../../src/read/serviceFolders";
import { Problem } from "../../src/problems";

const DIR = "services/demo";
const FILE = `${DIR}/docker-compose.yml`;

/** Parses and builds an inline compose file of the folder `services/demo`; the YAML must be schema-valid. */
function build(yaml: string): ReturnType<typeof buildComposeProject> {
  const folder: ServiceFolder = { name: "demo", dir: DIR, composeFile: FILE, composeText: yaml, files: new MemoryFiles({ [FILE]: yaml }) };
  const loaded = loadComposeDocument(FILE, yaml, () => undefined);
  assert.deepEqual(loaded.problems.filter((p) => p.severity === "error"), [], "the fixture must be valid compose");
  return buildComposeProject(folder, loaded.document!);
}

function ok(yaml: string): ComposeProject {
  const r = build(yaml);
  assert.deepEqual(r.problems.filter((p) => p.severity === "error"), []);
  assert.ok(r.project);
  return r.project;
}

function service(yaml: string, name = "web"): ServiceDefinition {
  const s = ok(yaml).services.find((x) => x.name === name);
  assert.ok(s, `service ${name}`);
  return s;
}

function errorsOf(yaml: string): Problem[] {
  const r = build(yaml);
  // The project is still returned (without what was invalid) so that later stages report their own problems.
  assert.ok(r.project);
  const errors = r.problems.filter((p) => p.severity === "error");
  assert.ok(errors.length > 0);
  return errors;
}

/** `services: web: image: nginx:1.27` plus the given extra lines, indented under `web`. */
const web = (...lines: string[]) => ["services:", "  web:", "    image: nginx:1.27", ...lines.map((l) => "    " + l), ""].join("\n");

describe("ports", () => {
  it("'80' publishes nothing, '8080:80' publishes 8080", () => {
    assert.deepEqual(service(web("ports:", "  - 80", '  - "8080:80"')).ports, [
      { target: 80, published: undefined, hostIp: undefined, protocol: "tcp", path: ["services", "web", "ports", 0] },
      { target: 80, published: 8080, hostIp: undefined, protocol: "tcp", path: ["services", "web", "ports", 1] },
    ]);
  });
  it("'127.0.0.1:8080:80/udp' carries host IP and protocol", () => {
    assert.deepEqual(parsePort("127.0.0.1:8080:80/udp"), [{ target: 80, published: 8080, hostIp: "127.0.0.1", protocol: "udp" }]);
  });
  it("a bracketed IPv6 host IP loses its brackets", () => {
    assert.deepEqual(parsePort("[::1]:53:53/udp"), [{ target: 53, published: 53, hostIp: "::1", protocol: "udp" }]);
  });
  it("ranges expand into one mapping per port", () => {
    assert.deepEqual(parsePort("8000-8002:80-82"), [
      { target: 80, published: 8000, hostIp: undefined, protocol: "tcp" },
      { target: 81, published: 8001, hostIp: undefined, protocol: "tcp" },
      { target: 82, published: 8002, hostIp: undefined, protocol: "tcp" },
    ]);
    assert.deepEqual((parsePort("9000-9001") as PortMapping[]).map((p) => [p.target, p.published]), [[9000, undefined], [9001, undefined]]);
  });
  it("ranges of different sizes are an error", () => {
    assert.match(parsePort("8000-8001:80-82") as string, /differ in size/);
  });
  it("one host port for a range of container ports is an error, not silently unpublished", () => {
    // Docker refuses `-p 8080:80-81` (invalid ranges); it must not become two unpublished ports.
    assert.equal(typeof parsePort("8080:80-81"), "string");
  });
  it("the long syntax", () => {
    const s = service(web("ports:", "  - target: 80", "    published: 8080", "    host_ip: 127.0.0.1", "    protocol: udp", "  - target: 443"));
    assert.deepEqual(s.ports, [
      { target: 80, published: 8080, hostIp: "127.0.0.1", protocol: "udp", path: ["services", "web", "ports", 0] },
      { target: 443, published: undefined, hostIp: undefined, protocol: "tcp", path: ["services", "web", "ports", 1] },
    ]);
    assert.deepEqual(parsePort({ target: 80, published: "8080" }), [{ target: 80, published: 8080, hostIp: undefined, protocol: "tcp" }]);
  });
  it("a bad port is an error at the port's position", () => {
    const e = errorsOf(web("ports:", '  - "80:80"', '  - "80:abc"'));
    assert.equal(e.length, 1);
    assert.deepEqual([e[0].file, e[0].line, e[0].column], [FILE, 6, 9]);
    assert.match(e[0].message, /services\.web\.ports\[1\]: '80:abc' is not a port mapping/);
    assert.match(parsePort("80/xyz") as string, /unknown protocol 'xyz'/);
  });
});

describe("volumes", () => {
  const withVolumes = (...lines: string[]) => web("volumes:", ...lines.map((l) => "  " + l)) + "volumes:\n  data:\n";

  it("a named volume, read-write and read-only", () => {
    const s = service(withVolumes("- data:/var/lib/data", "- data:/ro:ro"));
    assert.deepEqual(s.mounts.map((m) => ({ ...m, path: undefined })), [
      { type: "volume", source: "data", target: "/var/lib/data", readOnly: false, path: undefined },
      { type: "volume", source: "data", target: "/ro", readOnly: true, path: undefined },
    ]);
  });
  it("a relative bind mount becomes a repository-relative path inside the folder", () => {
    const [m] = service(web("volumes:", "  - ./config/app.conf:/etc/app.conf:ro")).mounts;
    assert.equal(m.type, "bind");
    assert.deepEqual(m.type === "bind" && [m.source, m.target, m.readOnly, m.inFolder], [`${DIR}/config/app.conf`, "/etc/app.conf", true, true]);
    const [dot] = service(web("volumes:", "  - .:/src")).mounts;
    assert.deepEqual(dot.type === "bind" && [dot.source, dot.inFolder], [DIR, true]);
  });
  it("an absolute bind mount stays absolute and outside the folder", () => {
    const [m] = service(web("volumes:", "  - /var/run/docker.sock:/var/run/docker.sock")).mounts;
    assert.deepEqual(m.type === "bind" && [m.source, m.readOnly, m.inFolder], ["/var/run/docker.sock", false, false]);
  });
  it("a relative bind mount climbing out of the folder is an error", () => {
    const e = errorsOf(web("volumes:", "  - ../other/secret:/s"));
    assert.match(e[0].message, /'services\/other\/secret' is outside the service folder/);
  });
  it("a home-relative bind mount is an error", () => {
    assert.match(errorsOf(web("volumes:", "  - ~/x:/x"))[0].message, /home-relative/);
  });
  it("the long syntax: volume, bind and tmpfs", () => {
    const s = service(
      withVolumes(
        "- type: volume",
        "  source: data",
        "  target: /data",
        "  read_only: true",
        "- type: bind",
        "  source: ./site",
        "  target: /srv",
        "- type: tmpfs",
        "  target: /tmp",
      ),
    );
    const [v, b, t] = s.mounts;
    assert.deepEqual(v.type === "volume" && [v.source, v.target, v.readOnly], ["data", "/data", true]);
    assert.deepEqual(b.type === "bind" && [b.source, b.target, b.inFolder], [`${DIR}/site`, "/srv", true]);
    assert.deepEqual([t.type, t.target], ["tmpfs", "/tmp"]);
  });
  it("an anonymous volume has no source", () => {
    const [m] = service(web("volumes:", "  - /cache")).mounts;
    assert.deepEqual(m.type === "volume" && [m.source, m.target], [undefined, "/cache"]);
  });
  it("an unknown mount mode is an error", () => {
    assert.match(errorsOf(withVolumes("- data:/d:rx"))[0].message, /unknown mount mode 'rx'/);
  });
  it("an undeclared named volume is an error naming it, at the mount", () => {
    const e = errorsOf(web("volumes:", "  - dbdata:/var/lib/postgresql/data"));
    assert.equal(e.length, 1);
    assert.match(e[0].message, /named volume 'dbdata' is not declared/);
    assert.deepEqual([e[0].line, e[0].column], [5, 9]);
  });
  it("top-level volumes get compose's names", () => {
    const p = ok(web("volumes:", "  - a:/a", "  - b:/b", "  - c:/c") + "volumes:\n  a:\n  b:\n    name: explicit\n  c:\n    external: true\n");
    assert.deepEqual(p.volumes.map((v) => [v.key, v.name, v.external]), [
      ["a", "demo_a", false],
      ["b", "explicit", false],
      ["c", "c", true],
    ]);
  });
});

describe("networks", () => {
  it("a service without networks joins the default network, alias = service name", () => {
    const p = ok(web());
    assert.deepEqual(p.services[0].networks, [{ network: "default", aliases: ["web"] }]);
    assert.deepEqual(p.networks.map((n) => [n.key, n.name, n.external]), [["default", "demo_default", false]]);
  });
  it("an external volume in the legacy form external: {name: …} keeps its real name", () => {
    const p = ok(web("volumes:", "  - data:/data") + "volumes:\n  data:\n    external:\n      name: pica-pad-db-data\n");
    assert.deepEqual(p.volumes.map((v) => [v.key, v.name, v.external]), [["data", "pica-pad-db-data", true]]);
  });

  it("declared networks: list and mapping forms, aliases, external names", () => {
    const p = ok(
      [
        "services:",
        "  web:",
        "    image: nginx:1.27",
        "    networks:",
        "      - proxy",
        "      - back",
        "  db:",
        "    image: postgres:16.4",
        "    networks:",
        "      back:",
        "        aliases: [database]",
        "networks:",
        "  proxy:",
        "    external: true",
        "  back:",
        "",
      ].join("\n"),
    );
    assert.deepEqual(p.services[0].networks, [
      { network: "proxy", aliases: ["web"], ipv4Address: undefined, ipv6Address: undefined },
      { network: "back", aliases: ["web"], ipv4Address: undefined, ipv6Address: undefined },
    ]);
    assert.deepEqual(p.services[1].networks, [{ network: "back", aliases: ["db", "database"], ipv4Address: undefined, ipv6Address: undefined }]);
    assert.deepEqual(p.networks.map((n) => [n.key, n.name, n.external]), [
      ["proxy", "proxy", true],
      ["back", "demo_back", false],
    ]);
    assert.equal(p.networks.some((n) => n.key === "default"), false, "no default network when nobody uses it");
  });
  it("an undeclared network is an error naming it", () => {
    const e = errorsOf(web("networks:", "  - nope"));
    assert.equal(e.length, 1);
    assert.match(e[0].message, /network 'nope' is not declared/);
    assert.deepEqual([e[0].line, e[0].column], [5, 9]);
  });
  it("the project name comes from 'name:' when given", () => {
    const p = ok("name: other\n" + web());
    assert.equal(p.projectName, "other");
    assert.equal(p.networks[0].name, "other_default");
  });
});

describe("secrets", () => {
  it("file secrets become repository-relative; service secrets default to /run/secrets/<name>", () => {
    const p = ok(web("secrets:", "  - db_password", "  - source: api_key", "    target: /etc/key") + "secrets:\n  db_password:\n    file: ./secrets/db_password.secret\n  api_key:\n    environment: API_KEY\n");
    assert.deepEqual(p.secrets.map((s) => [s.key, s.source]), [
      ["db_password", { file: `${DIR}/secrets/db_password.secret` }],
      ["api_key", { environment: "API_KEY" }],
    ]);
    assert.deepEqual(p.services[0].secrets.map((s) => [s.source, s.target]), [
      ["db_password", "/run/secrets/db_password"],
      ["api_key", "/etc/key"],
    ]);
  });
  it("an undeclared secret is an error naming it", () => {
    const e = errorsOf(web("secrets:", "  - db_password"));
    assert.equal(e.length, 1);
    assert.match(e[0].message, /secret 'db_password' is not declared/);
    assert.deepEqual([e[0].line, e[0].column], [5, 9]);
  });
  it("an external secret cannot be delivered", () => {
    const e = errorsOf(web() + "secrets:\n  s:\n    external: true\n");
    assert.ok(e.some((p) => /secrets\.s: only 'file:' and 'environment:'/.test(p.message)));
  });
});

describe("key accounting", () => {
  it("an unsupported key is an error on the key's line", () => {
    const e = errorsOf(["services:", "  web:", "    image: nginx:1.27", "    links: [db]", "  db:", "    image: postgres:16.4", ""].join("\n"));
    assert.equal(e.length, 1);
    assert.deepEqual([e[0].line, e[0].column], [4, 5]);
    assert.match(e[0].message, /services\.web: the key 'links' is not supported/);
  });
  it("an unsupported key is listed in the keys report", () => {
    const r = build(["services:", "  web:", "    image: nginx:1.27", "    links: [db]", "  db:", "    image: postgres:16.4", ""].join("\n"));
    assert.ok(r.problems.some((p) => p.severity === "error"));
    assert.deepEqual(r.project.keys.find((k) => k.scope === "services.web")?.unsupported, ["links"]);
  });
  it("an ignored key is listed with its reason, without a problem", () => {
    const r = build(web("expose:", '  - "80"'));
    assert.deepEqual(r.problems, []);
    const report = r.project.keys.find((k) => k.scope === "services.web")!;
    assert.deepEqual(report.mapped, ["image"]);
    assert.equal(report.ignored.length, 1);
    assert.equal(report.ignored[0].key, "expose");
    assert.match(report.ignored[0].reason, /documentation only/);
    assert.deepEqual(report.unsupported, []);
  });
  it("'version' is ignored at the top level; x- keys are not reported at all", () => {
    const p = ok('version: "3.8"\nx-anything: 1\n' + web("x-note: hello"));
    const top = p.keys.find((k) => k.scope === "(top level)")!;
    assert.deepEqual(top.ignored.map((i) => i.key), ["version"]);
    assert.deepEqual(top.mapped, ["services"]);
    assert.deepEqual(p.keys.find((k) => k.scope === "services.web")!.mapped, ["image"]);
  });
});

describe("service settings", () => {
  it("container_name, restart and labels", () => {
    const s = service(web("container_name: my-web", "restart: on-failure:3", "labels:", "  - a=1", "  - b"));
    assert.equal(s.containerName, "my-web");
    assert.deepEqual([s.settings.restart, s.settings.maxRetryCount], ["on-failure", 3]);
    assert.deepEqual(s.labels, { a: "1", b: "" });
  });
  it("environment as a list or a mapping; a bare name has no value", () => {
    assert.deepEqual(service(web("environment:", "  - A=1", "  - B=x=y", "  - C")).environment.map((e) => [e.name, e.value]), [
      ["A", "1"],
      ["B", "x=y"],
      ["C", undefined],
    ]);
    assert.deepEqual(service(web("environment:", "  A: 1", "  B: ~")).environment.map((e) => [e.name, e.value, e.path]), [
      ["A", "1", ["services", "web", "environment", "A"]],
      ["B", undefined, ["services", "web", "environment", "B"]],
    ]);
  });
  it("env_file paths become repository-relative; required defaults to true", () => {
    const s = service(web("env_file:", "  - ./a.env", "  - path: ./b.env", "    required: false"));
    assert.deepEqual(s.envFiles.map((e) => [e.file, e.required]), [
      [`${DIR}/a.env`, true],
      [`${DIR}/b.env`, false],
    ]);
  });
  it("a healthcheck string test becomes CMD-SHELL; durations are in milliseconds", () => {
    const s = service(web("healthcheck:", "  test: curl -f http://localhost/ || exit 1", "  interval: 1m30s", "  timeout: 500ms", "  start_period: 1.5h", "  retries: 4"));
    assert.deepEqual(s.healthcheck, { test: ["CMD-SHELL", "curl -f http://localhost/ || exit 1"], intervalMs: 90_000, timeoutMs: 500, startPeriodMs: 5_400_000, retries: 4 });
  });
  it("a healthcheck list test is kept; NONE or disable: true disables it", () => {
    assert.deepEqual(service(web("healthcheck:", '  test: ["CMD", "true"]')).healthcheck, { test: ["CMD", "true"], intervalMs: undefined, timeoutMs: undefined, startPeriodMs: undefined, retries: undefined });
    assert.equal(service(web("healthcheck:", '  test: ["NONE"]')).healthcheck, "disabled");
    assert.equal(service(web("healthcheck:", "  disable: true")).healthcheck, "disabled");
  });
  it("a bad healthcheck duration is an error at the value", () => {
    const e = errorsOf(web("healthcheck:", "  test: [CMD, 'true']", "  interval: 10 seconds"));
    assert.equal(e.length, 1);
    assert.deepEqual([e[0].line, e[0].column], [6, 17]);
    assert.match(e[0].message, /healthcheck\.interval: '10 seconds' is not a duration/);
  });
  it("stop_grace_period is rounded up to seconds", () => {
    assert.equal(service(web("stop_grace_period: 1m")).settings.stopTimeout, 60);
    assert.equal(service(web("stop_grace_period: 1500ms")).settings.stopTimeout, 2);
  });
  it("command strings are split like a shell; lists are kept", () => {
    assert.deepEqual(service(web(`command: run --name "a b" 'c d' e\\ f`)).settings.command, ["run", "--name", "a b", "c d", "e f"]);
    assert.deepEqual(service(web('command: ["sh", "-c", "echo $$HOME"]')).settings.command, ["sh", "-c", "echo $HOME"]);
  });
  it("unbalanced quotes in command are an error", () => {
    assert.match(errorsOf(web(`command: echo "oops`))[0].message, /unbalanced quotes/);
  });
  it("depends_on on an unknown service is an error", () => {
    assert.match(errorsOf(web("depends_on: [ghost]"))[0].message, /no service 'ghost'/);
  });
  it("sizes are in MiB", () => {
    const s = service(web("shm_size: 256m", "mem_limit: 1g"));
    assert.deepEqual([s.settings.shmSizeMb, s.settings.memoryMb], [256, 1024]);
  });
});

describe("build", () => {
  it("'build: .' is a context string", () => {
    const s = service(["services:", "  web:", "    image: registry.picasoft.net/web:1.0.0", "    build: .", ""].join("\n"));
    assert.deepEqual(s.build, { context: DIR, dockerfile: `${DIR}/Dockerfile`, args: {}, target: undefined });
  });
  it("the object form: context, dockerfile relative to the context, args and target", () => {
    const s = service(
      [
        "services:",
        "  web:",
        "    image: registry.picasoft.net/web:1.0.0",
        "    build:",
        "      context: ./app",
        "      dockerfile: docker/Dockerfile.prod",
        "      args:",
        "        VERSION: 1.0.0",
        "      target: runtime",
        "",
      ].join("\n"),
    );
    assert.deepEqual(s.build, { context: `${DIR}/app`, dockerfile: `${DIR}/app/docker/Dockerfile.prod`, args: { VERSION: "1.0.0" }, target: "runtime" });
  });
  it("a build without an image is an error at 'build'", () => {
    const e = errorsOf(["services:", "  web:", "    build: .", ""].join("\n"));
    assert.equal(e.length, 1);
    assert.deepEqual([e[0].line, e[0].column], [3, 12]);
    assert.match(e[0].message, /home-built image needs an 'image:'/);
  });
  it("a git URL context is an error", () => {
    assert.match(errorsOf(["services:", "  web:", "    image: r/x:1", "    build: https://github.com/x/y.git", ""].join("\n"))[0].message, /git URL build context/);
  });
  it("neither image nor build is an error", () => {
    assert.match(errorsOf(["services:", "  web:", "    restart: always", ""].join("\n"))[0].message, /neither 'image' nor 'build'/);
  });
});

describe("durations and shell words", () => {
  it("parses Go durations", () => {
    assert.equal(parseDuration("10s"), 10_000);
    assert.equal(parseDuration("1m30s"), 90_000);
    assert.equal(parseDuration("500ms"), 500);
    assert.equal(parseDuration("1.5h"), 5_400_000);
    assert.equal(parseDuration("1h2m3s4ms"), 3_723_004);
    for (const bad of ["", "ten", "10x", "-1s", "1 m"]) assert.equal(parseDuration(bad), undefined, bad);
  });
  it("formats durations as Go does", () => {
    assert.deepEqual([0, 500, 30_000, 90_000, 3_723_000, 1_500].map(goDuration), ["0s", "500ms", "30s", "1m30s", "1h2m3s", "1.5s"]);
  });
  it("splits command strings with quotes", () => {
    assert.deepEqual(splitCommand(`a "b \\"c\\"" 'd e' ""`), ["a", 'b "c"', "d e", ""]);
    assert.equal(splitCommand("'open"), null);
  });
});
