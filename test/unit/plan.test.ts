import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { keyedHash, recordService, ServiceRecord } from "../../src/environment/record";
import { planDeployment } from "../../src/pipeline";
import { unannouncedChanges } from "../../src/plan/announced";
import { comparePlan, Reason, shortDiff, StackPlan } from "../../src/plan/changes";
import { jsonReport, markdownReport, planCosts, reasonLine, textReport } from "../../src/plan/report";
import { MemoryFiles } from "../../src/read/files";
import { readSettings, StackSettings } from "../../src/settings";

const DIR = "services/pica-demo";
const COMPOSE = `${DIR}/docker-compose.yml`;
const COMPOSE_TEXT = `services:
  app:
    image: registry.picasoft.net/pica-demo:1.0.0
    build: .
    env_file: ./secrets/app.secrets
    environment:
      SITE_URL: https://demo.picasoft.net
    labels:
      traefik.http.routers.demo.rule: Host(\`demo.picasoft.net\`)
    volumes:
      - ./config/app.conf:/etc/app/app.conf:ro
    restart: unless-stopped
    depends_on:
      db:
        condition: service_started
  db:
    image: postgres:16.4
    volumes:
      - data:/var/lib/postgresql/data
volumes:
  data:
    name: pica-demo-data
`;
const BASE: Record<string, string> = {
  [`${DIR}/README.md`]: "# Demo\n",
  [`${DIR}/CHANGELOG.md`]: "# 1.0.0\n",
  [`${DIR}/Dockerfile`]: "FROM alpine:3.20\n",
  [COMPOSE]: COMPOSE_TEXT,
  [`${DIR}/config/app.conf`]: "server_name demo.picasoft.net;\nworkers 2;\n",
  [`${DIR}/secrets/app.secrets.example`]: "APP_KEY=example-key-1\n",
};
const KEY = keyedHash("0123456789abcdef0123456789abcdef");

function settings(stack: "test" | "prod", config: Record<string, unknown> = {}): StackSettings {
  const raw: Record<string, unknown> = stack === "test" ? { kind: "test", rewrites: [{ from: "picasoft.net", to: "test.picasoft.net" }], ...config } : { kind: "prod", ...config };
  const r = readSettings(stack, (k) => (raw[k] === undefined ? undefined : typeof raw[k] === "string" ? (raw[k]) : JSON.stringify(raw[k])));
  assert.deepEqual(r.problems, []);
  return r.settings!;
}

function records(files: Record<string, string>, s: StackSettings = settings("test")): Record<string, ServiceRecord> {
  const p = planDeployment({ settings: s, view: new MemoryFiles(files), environment: () => undefined });
  assert.deepEqual(p.problems.filter((x) => x.severity === "error"), []);
  return Object.fromEntries(p.services.map((x) => [x.folder, recordService(x, KEY)]));
}

function edit(file: string, change: (t: string) => string, files = BASE): Record<string, string> {
  return { ...files, [file]: change(files[file]) };
}

function planOf(after: Record<string, string>, s: StackSettings = settings("test"), before: Record<string, string> = BASE): StackPlan {
  return comparePlan(s.stack, s.kind, records(before, s), records(after, s));
}

function container(plan: StackPlan, service: string) {
  const c = plan.services[0].containers.find((x) => x.service === service);
  assert.ok(c, `no container ${service}`);
  return c;
}

const reasonOf = (plan: StackPlan, service: string): Reason[] => container(plan, service).reasons as Reason[];

describe("plan: deployed record vs. the checkout's", () => {
  it("says nothing changes when nothing does", () => {
    const plan = planOf(BASE);
    assert.equal(plan.changes, false);
    assert.equal(plan.services[0].action, "unchanged");
    assert.deepEqual(plan.services[0].containers.map((c) => c.action), ["unchanged", "unchanged"]);
    assert.deepEqual(planCosts(plan), { restarts: [], volumes: [], imagesBuilt: [], imagesPushed: [] });
  });

  it("names a plain variable and both values (rewritten on test); the container is replaced, and what depends on it is named", () => {
    const plan = planOf(edit(COMPOSE, (t) => t.replace("https://demo.picasoft.net", "https://www2.picasoft.net")));
    const app = container(plan, "app");
    assert.equal(app.action, "replace");
    assert.deepEqual(app.reasons, [{ kind: "environment", key: "SITE_URL", change: "changed", from: "https://demo.test.picasoft.net", to: "https://www2.test.picasoft.net" }]);
    assert.equal(reasonLine(app.reasons[0]), "environment SITE_URL: https://demo.test.picasoft.net → https://www2.test.picasoft.net");
    assert.equal(container(plan, "db").action, "unchanged");
    assert.equal(plan.changes, true);
    assert.equal(app.downtime, "down while it restarts; stop-first: it has no healthcheck to say when a new container is ready");
  });

  it("estimates a stop-first replacement's downtime from its healthcheck: one interval, Docker's 30 s when left out, plus a second to stop; and says why it is stop-first", () => {
    const healthy = (interval: string): Record<string, string> => edit(COMPOSE, (t) => t.replace("    restart: unless-stopped\n", `    restart: unless-stopped\n    ports: ["8080:80"]\n    healthcheck:\n      test: ["CMD", "true"]\n${interval}`));
    const withFive = healthy("      interval: 5s\n");
    const plan = planOf(edit(COMPOSE, (t) => t.replace("https://demo.picasoft.net", "https://www2.picasoft.net"), withFive), settings("test"), withFive);
    assert.equal(container(plan, "app").downtime, "≈6 s down; stop-first: it publishes the host port 8080");
    assert.match(textReport(plan).join("\n"), /^ {2}app \(container pica-demo-app\): replaced \(≈6 s down; stop-first: it publishes the host port 8080\)$/m);
    const withDefault = healthy("");
    assert.equal(container(planOf(edit(COMPOSE, (t) => t.replace("https://demo.picasoft.net", "https://www2.picasoft.net"), withDefault), settings("test"), withDefault), "app").downtime, "≈31 s down; stop-first: it publishes the host port 8080");
    assert.equal(container(plan, "db").downtime, undefined, "an unchanged container has no downtime");
  });

  it("says a routed service with a healthcheck and no data is replaced start-first, without downtime; a data volume or an explicit order says otherwise", () => {
    const healthy = (extra: string): Record<string, string> => edit(COMPOSE, (t) => t.replace("    restart: unless-stopped\n", `    restart: unless-stopped\n    healthcheck:\n      test: ["CMD", "true"]\n${extra}`));
    const changed = (files: Record<string, string>): Record<string, string> => edit(COMPOSE, (t) => t.replace("https://demo.picasoft.net", "https://www2.picasoft.net"), files);
    const routed = healthy("");
    assert.equal(container(planOf(changed(routed), settings("test"), routed), "app").downtime, "no downtime; start-first: routed by Traefik, with a healthcheck, no data volume and no host port");
    const optedOut = healthy("    deploy:\n      update_config:\n        order: stop-first\n");
    assert.equal(container(planOf(changed(optedOut), settings("test"), optedOut), "app").downtime, "≈31 s down; stop-first: deploy.update_config.order: stop-first in its compose file");
    const writing = edit(COMPOSE, (t) => t.replace("      - ./config/app.conf:/etc/app/app.conf:ro\n", "      - ./config/app.conf:/etc/app/app.conf:ro\n      - data:/srv/data\n"), routed);
    assert.equal(container(planOf(changed(writing), settings("test"), writing), "app").downtime, "≈31 s down; stop-first: it writes the named volume pica-demo-data");
  });

  it("names a changed secret by its key only: its value is nowhere in the plan, in any format", () => {
    const after = edit(`${DIR}/secrets/app.secrets.example`, () => "APP_KEY=very-secret-value-2\n");
    const plan = planOf(after);
    assert.equal(container(plan, "app").action, "replace");
    assert.deepEqual(reasonOf(plan, "app"), [{ kind: "secret", key: "APP_KEY", change: "changed" }]);
    const all = [textReport(plan).join("\n"), markdownReport(plan).join("\n"), jsonReport(plan), JSON.stringify(records(after))];
    for (const text of all) {
      assert.ok(!text.includes("very-secret-value-2"), text);
      assert.ok(!text.includes("example-key-1"), text);
    }
    assert.match(textReport(plan).join("\n"), /secret APP_KEY changed \(value not shown\)/);
  });

  it("keys secret hashes: another stack key gives other hashes, the same key the same", () => {
    assert.equal(KEY("x"), KEY("x"));
    assert.notEqual(keyedHash("a".repeat(64))("x"), keyedHash("b".repeat(64))("x"));
    assert.doesNotMatch(KEY("x"), /x/);
  });

  it("calls a Traefik rule by its name", () => {
    const plan = planOf(edit(COMPOSE, (t) => t.replace("Host(`demo.picasoft.net`)", "Host(`demo2.picasoft.net`)")));
    assert.equal(reasonLine(reasonOf(plan, "app")[0]), "Traefik rule traefik.http.routers.demo.rule: Host(`demo.test.picasoft.net`) → Host(`demo2.test.picasoft.net`)");
  });

  it("shows a mounted config file's change as a short unified diff of the file the container sees", () => {
    const plan = planOf(edit(`${DIR}/config/app.conf`, (t) => t.replace("workers 2", "workers 4")));
    // The folder is the image's build context too: the file is a build input as well.
    assert.deepEqual(reasonOf(plan, "app").map((r) => r.kind), ["build", "file"]);
    const file = reasonOf(plan, "app").find((r) => r.kind === "file")!;
    assert.equal(file.key, "/etc/app/app.conf");
    assert.equal(file.diff, "@@ -1,2 +1,2 @@\n server_name demo.test.picasoft.net;\n-workers 2;\n+workers 4;");
    assert.equal(container(plan, "app").action, "replace");
  });

  it("says which build input rebuilt an image, builds it (pushes on prod), and replaces its container", () => {
    const plan = planOf(edit(`${DIR}/Dockerfile`, (t) => t + "RUN true\n"));
    const [image] = plan.services[0].images;
    assert.equal(image.imageName, "registry.picasoft.net/pica-demo:1.0.0");
    assert.equal(image.push, false);
    assert.deepEqual(image.reasons.map(reasonLine), ["file Dockerfile changed"]);
    assert.deepEqual(reasonOf(plan, "app").map(reasonLine), ["rebuilt image registry.picasoft.net/pica-demo:1.0.0 (file Dockerfile changed)"]);
    assert.equal(container(plan, "app").action, "replace");
    const prodFiles = { ...BASE, [`${DIR}/secrets/app.secrets`]: "APP_KEY=real\n" };
    const prod = planOf(edit(`${DIR}/Dockerfile`, (t) => t + "RUN true\n", prodFiles), settings("prod"), prodFiles);
    assert.deepEqual(planCosts(prod).imagesPushed, ["registry.picasoft.net/pica-demo:1.0.0"]);
  });

  it("a README edit changes nothing", () => {
    assert.equal(planOf(edit(`${DIR}/README.md`, (t) => t + "more\n")).changes, false);
  });

  it("names a pulled image's new tag; the dependents of a replaced container are named in the costs", () => {
    const plan = planOf(edit(COMPOSE, (t) => t.replace("postgres:16.4", "postgres:16.5")));
    const db = container(plan, "db");
    assert.equal(db.action, "replace");
    assert.deepEqual(db.reasons.map(reasonLine), ["image: postgres:16.4 → postgres:16.5"]);
    assert.deepEqual(db.dependents, ["app (service_started)"]);
    assert.match(textReport(plan).join("\n"), /containers that restart: pica-demo\/db \(depended on by app \(service_started\)\)/);
  });

  it("updates a restart policy in place", () => {
    const plan = planOf(edit(COMPOSE, (t) => t.replace("restart: unless-stopped", "restart: always")));
    assert.equal(container(plan, "app").action, "update");
    assert.deepEqual(reasonOf(plan, "app").map(reasonLine), ["restart policy: unless-stopped → always"]);
    assert.deepEqual(planCosts(plan).restarts, []);
  });

  it("names ports, healthchecks, mounts and networks", () => {
    const plan = planOf(edit(COMPOSE, (t) => t.replace("    restart: unless-stopped\n", "    restart: unless-stopped\n    ports:\n      - \"127.0.0.1:8080:80\"\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n      interval: 5s\n")
      .replace("      - data:/var/lib/postgresql/data\n", "      - data:/var/lib/postgresql/data\n      - /srv/backup:/backup:ro\n")));
    assert.deepEqual(reasonOf(plan, "app").map((r) => r.kind).sort(), ["healthcheck", "port"]);
    assert.equal(reasonLine(reasonOf(plan, "app").find((r) => r.kind === "port")!), "port 127.0.0.1:8080->80/tcp added");
    assert.deepEqual(reasonOf(plan, "db").map(reasonLine), ["mount /backup added: host /srv/backup (read-only)"]);
  });

  it("a volume's label change: data lost on test, refused on prod; a removed prod volume keeps its data", () => {
    const relabel = (t: string): string => t.replace("    name: pica-demo-data\n", "    name: pica-demo-data\n    labels:\n      backup: daily\n");
    const test = planOf(edit(COMPOSE, relabel));
    assert.deepEqual(test.services[0].volumes.map((v) => [v.key, v.action, v.refused, v.verdict]), [["data", "replace", false, "replaced: its data is LOST (test stack)"]]);
    const prodFiles = { ...BASE, [`${DIR}/secrets/app.secrets`]: "APP_KEY=real\n" };
    const prod = planOf(edit(COMPOSE, relabel, prodFiles), settings("prod"), prodFiles);
    assert.equal(prod.services[0].volumes[0].refused, true);
    assert.match(textReport(prod).join("\n"), /REFUSED: up would stop at the protected volume pica-demo\/data/);
    const removed = planOf(edit(COMPOSE, (t) => t.replace("    volumes:\n      - data:/var/lib/postgresql/data\n", "").replace(/volumes:\n {2}data:\n {4}name: pica-demo-data\n/, ""), prodFiles), settings("prod"), prodFiles);
    assert.deepEqual(removed.services[0].volumes.map((v) => [v.action, v.verdict]), [["remove", "kept on the host with its data (protected, retained on delete)"]]);
  });

  it("a folder moved to another host: every container replaced, naming both hosts", () => {
    const s = settings("test");
    const moved = settings("test", { hosts: { "pica-demo": "ssh://deploy@pica02" } });
    const plan = comparePlan("test", "test", records(BASE, s), records(BASE, moved));
    assert.deepEqual(plan.services[0].containers.map((c) => c.action), ["replace", "replace"]);
    assert.equal(reasonLine(reasonOf(plan, "app")[0]), "host: the default Docker host → ssh://deploy@pica02");
  });

  it("a new folder is created, a folder gone is removed, a folder deployed before records is unknown", () => {
    const r = records(BASE);
    const created = comparePlan("test", "test", {}, r);
    assert.equal(created.services[0].action, "create");
    assert.deepEqual(planCosts(created).imagesBuilt, ["registry.picasoft.net/pica-demo:1.0.0"]);
    const removed = comparePlan("test", "test", r, {});
    assert.equal(removed.services[0].action, "remove");
    assert.deepEqual(removed.services[0].containers.map((c) => c.action), ["remove", "remove"]);
    assert.equal(comparePlan("test", "test", { "pica-demo": null }, r).services[0].action, "unknown");
  });

  it("cuts long file diffs", () => {
    const before = Array.from({ length: 100 }, (_, i) => `line ${i}`).join("\n");
    const after = Array.from({ length: 100 }, (_, i) => `LINE ${i}`).join("\n");
    const diff = shortDiff("/f", before, after)!.split("\n");
    assert.equal(diff.length, 41);
    assert.match(diff[40], /^… \d+ more lines$/);
  });
});

describe("plan vs. the engine's preview", () => {
  const plan = planOf(edit(COMPOSE, (t) => t.replace("https://demo.picasoft.net", "https://www2.picasoft.net")));
  it("accepts what the plan announced: the container replaced and its waits", () => {
    const engine = [
      { name: "pica-demo/app", type: "docker:index/container:Container", op: "replace" },
      { name: "pica-demo/app/healthy", type: "command:local:Command", op: "replace" },
    ];
    assert.deepEqual(unannouncedChanges(plan, engine, { firstRecord: false }), []);
  });
  it("flags what it did not: another container, a volume, a container updated where the plan said replaced", () => {
    const engine = [
      { name: "pica-demo/db", type: "docker:index/container:Container", op: "replace" },
      { name: "pica-demo/data", type: "docker:index/volume:Volume", op: "replace" },
      { name: "pica-demo/app", type: "docker:index/container:Container", op: "update" },
      { name: "record-key", type: "command:local:Command", op: "create" },
    ];
    assert.deepEqual(unannouncedChanges(plan, engine, { firstRecord: false }).map((u) => u.name), ["pica-demo/db", "pica-demo/data", "pica-demo/app", "record-key"]);
    assert.match(textReport(plan, unannouncedChanges(plan, engine, { firstRecord: false })).join("\n"), /WARNING: THE ENGINE'S PREVIEW WOULD ALSO TOUCH 4 RESOURCE\(S\) THIS PLAN DID NOT ANNOUNCE/);
    assert.deepEqual(unannouncedChanges(plan, engine.slice(3), { firstRecord: true }), []);
  });
});

describe("plan: a replaced volume", () => {
  it("replaces the containers that mount it (the engine must mount the new volume)", () => {
    const plan = planOf(edit(COMPOSE, (t) => t.replace("    name: pica-demo-data\n", "    name: pica-demo-data\n    labels:\n      backup: daily\n")));
    const db = container(plan, "db");
    assert.equal(db.action, "replace");
    assert.deepEqual(db.reasons.map(reasonLine), ["mount /var/lib/postgresql/data: volume pica-demo-data → volume pica-demo-data, replaced"]);
    assert.deepEqual(db.dependents, ["app (service_started)"]);
  });
});

describe("plan: an adopted volume (taken over from docker-compose)", () => {
  it("ignores its label changes and keeps its data when removed, on test too", () => {
    const adopted = settings("test", { adopted: { "pica-demo": { volumes: { data: "pica-demo-data" } } } });
    const relabel = edit(COMPOSE, (t) => t.replace("    name: pica-demo-data\n", "    name: pica-demo-data\n    labels:\n      backup: daily\n"));
    assert.deepEqual(planOf(relabel, adopted).services[0].volumes, []);
    const removed = comparePlan("test", "test", records(BASE, adopted), records(edit(COMPOSE, (t) => t.replace("    volumes:\n      - data:/var/lib/postgresql/data\n", "").replace(/volumes:\n {2}data:\n {4}name: pica-demo-data\n/, "")), adopted));
    assert.deepEqual(removed.services[0].volumes.map((v) => [v.action, v.verdict]), [["remove", "kept on the host with its data (retained on delete)"]]);
  });
});
