import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { loadComposeDocument } from "../../src/validate/composeDocument";
import { Lookup } from "../../src/validate/interpolate";
import { Problem } from "../../src/problems";

const FILE = "services/demo/docker-compose.yml";
const env = (vars: Record<string, string>): Lookup => (name) => (Object.prototype.hasOwnProperty.call(vars, name) ? vars[name] : undefined);
const load = (text: string, vars: Record<string, string> = {}) => loadComposeDocument(FILE, text, env(vars));
const errors = (ps: readonly Problem[]) => ps.filter((p) => p.severity === "error");
const warnings = (ps: readonly Problem[]) => ps.filter((p) => p.severity === "warning");
const services = (data: Record<string, unknown>) => data.services as Record<string, Record<string, unknown>>;

describe("loadComposeDocument: YAML syntax", () => {
  it("reports a syntax error with line and column, and no document", () => {
    const text = ["services:", "  web:", "    image: [nginx:1.27", "    restart: always", ""].join("\n");
    const r = load(text);
    assert.equal(r.document, undefined);
    const e = errors(r.problems);
    assert.ok(e.length >= 1);
    assert.equal(e[0].file, FILE);
    assert.match(e[0].message, /^invalid YAML: /);
    assert.equal(typeof e[0].line, "number");
    assert.equal(typeof e[0].column, "number");
    assert.ok(e[0].line! >= 3, `the error is at or after the unclosed '[' (line ${e[0].line})`);
  });

  it("reports a duplicate key at the duplicate's line", () => {
    const text = ["services:", "  web:", "    image: nginx:1.27", "    image: nginx:1.26", ""].join("\n");
    const r = load(text);
    assert.equal(r.document, undefined);
    const e = errors(r.problems);
    assert.equal(e.length, 1);
    assert.equal(e[0].line, 4);
    assert.equal(e[0].column, 5);
  });

  it("a document that is not a mapping is an error at 1:1", () => {
    const r = load("- just\n- a list\n");
    assert.equal(r.document, undefined);
    assert.deepEqual(errors(r.problems).map((p) => [p.line, p.column]), [[1, 1]]);
  });
});

describe("loadComposeDocument: schema validation", () => {
  it("places an unknown service key at the key itself", () => {
    const text = ["services:", "  web:", "    image: nginx:1.27", "    imagee: nginx", ""].join("\n");
    const r = load(text);
    const e = errors(r.problems);
    assert.equal(e.length, 1);
    assert.deepEqual([e[0].file, e[0].line, e[0].column], [FILE, 4, 5]);
    assert.match(e[0].message, /services\.web: unknown key 'imagee'/);
  });

  it("reports 'ports: 80' as a wrong type at the value", () => {
    const text = ["services:", "  web:", "    image: nginx:1.27", "    ports: 80", ""].join("\n");
    const e = errors(load(text).problems);
    assert.equal(e.length, 1);
    assert.deepEqual([e[0].line, e[0].column], [4, 12]);
    assert.match(e[0].message, /services\.web\.ports must be array, not number 80/);
  });

  it("reports 'restart: 5' as a wrong type at the value", () => {
    const text = ["services:", "  web:", "    image: nginx:1.27", "    restart: 5", ""].join("\n");
    const e = errors(load(text).problems);
    assert.equal(e.length, 1);
    assert.deepEqual([e[0].line, e[0].column], [4, 14]);
    assert.match(e[0].message, /services\.web\.restart must be string, not number 5/);
  });

  it("reports every error at once, across services", () => {
    const text = [
      "services:",
      "  web:",
      "    image: nginx:1.27",
      "    restartt: always",
      "  db:",
      "    image: postgres:16.4",
      "    ports: 5432",
      "",
    ].join("\n");
    const e = errors(load(text).problems);
    assert.equal(e.length, 2, JSON.stringify(e));
    const byLine = [...e].sort((a, b) => a.line! - b.line!);
    assert.deepEqual([byLine[0].line, byLine[0].column], [4, 5]);
    assert.match(byLine[0].message, /services\.web: unknown key 'restartt'/);
    assert.deepEqual([byLine[1].line, byLine[1].column], [7, 12]);
    assert.match(byLine[1].message, /services\.db\.ports/);
  });

  it("accepts a valid file without problems and returns its data", () => {
    const text = ["services:", "  web:", "    image: nginx:1.27", "    ports:", '      - "8080:80"', ""].join("\n");
    const r = load(text);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(services(r.document!.data).web, { image: "nginx:1.27", ports: ["8080:80"] });
  });

  it("locate() gives the position of a node, or of its nearest ancestor", () => {
    const text = ["services:", "  web:", "    image: nginx:1.27", "    environment:", "      A: x", ""].join("\n");
    const doc = load(text).document!;
    assert.deepEqual(doc.locate(["services", "web", "image"]), { line: 3, column: 12 });
    assert.deepEqual(doc.locate(["services", "web", "environment", "A"]), { line: 5, column: 10 });
    assert.deepEqual(doc.locate(["services", "web", "nothing", "here"]), { line: 3, column: 5 });
  });
});

describe("loadComposeDocument: merge keys", () => {
  it("merges '<<: *anchor' and lets local keys win", () => {
    const text = [
      "x-defaults: &defaults",
      "  restart: unless-stopped",
      "  image: nginx:1.26",
      "services:",
      "  web:",
      "    <<: *defaults",
      "    image: nginx:1.27",
      "",
    ].join("\n");
    const r = load(text);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(services(r.document!.data).web, { restart: "unless-stopped", image: "nginx:1.27" });
  });

  it("merges values that a schema check then accepts (no '<<' key left)", () => {
    const text = ["x-logging: &logging", "  driver: json-file", "services:", "  web:", "    image: nginx:1.27", "    logging: *logging", ""].join("\n");
    const r = load(text);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(services(r.document!.data).web.logging, { driver: "json-file" });
  });

  it("interpolates values merged from an x- anchor, as compose does (merge, then interpolate)", () => {
    const text = [
      "x-base: &base",
      '  image: "nginx:${TAG}"',
      "services:",
      "  web:",
      "    <<: *base",
      "  api:",
      "    <<: *base",
      '    command: ["echo", "$$HOME"]',
      "",
    ].join("\n");
    const r = load(text, { TAG: "1.27" });
    assert.deepEqual(r.problems, []);
    assert.equal(services(r.document!.data).web.image, "nginx:1.27");
    assert.equal(services(r.document!.data).api.image, "nginx:1.27");
    // Unset, the variable is reported once, at the anchored value.
    const unset = load(text);
    assert.deepEqual(unset.problems.map((p) => [p.severity, p.line, p.column]), [["warning", 2, 10]]);
    assert.match(unset.problems[0].message, /TAG is not set/);
    assert.equal(services(unset.document!.data).web.image, "nginx:");
  });

  it("interpolates an anchor used twice only once ('$$' stays one literal '$')", () => {
    const text = [
      "services:",
      "  web:",
      "    image: nginx:1.27",
      "    environment: &env",
      '      PRICE: "$$5"',
      "  api:",
      "    image: nginx:1.27",
      "    environment: *env",
      "",
    ].join("\n");
    const r = load(text);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(services(r.document!.data).web.environment, { PRICE: "$5" });
    assert.deepEqual(services(r.document!.data).api.environment, { PRICE: "$5" });
  });
});

describe("loadComposeDocument: interpolation", () => {
  it("interpolates from the lookup before schema validation", () => {
    const text = ["services:", "  web:", '    image: "nginx:${TAG:-1.27}"', "    ports:", '      - "${PORT}:80"', ""].join("\n");
    const r = load(text, { PORT: "8080" });
    assert.deepEqual(r.problems, []);
    assert.deepEqual(services(r.document!.data).web, { image: "nginx:1.27", ports: ["8080:80"] });
  });

  it("validates the interpolated value, not the text as written", () => {
    const text = ["services:", "  web:", "    image: nginx:1.27", '    pull_policy: "${POLICY}"', ""].join("\n");
    assert.deepEqual(errors(load(text, { POLICY: "always" }).problems), []);
    const e = errors(load(text, { POLICY: "sometimes" }).problems);
    assert.equal(e.length, 1);
    assert.equal(e[0].line, 4);
    assert.match(e[0].message, /pull_policy/);
  });

  it("never interpolates keys", () => {
    const text = ["services:", "  web:", "    image: nginx:1.27", "    environment:", '      "${KEY}": value', ""].join("\n");
    const r = load(text, { KEY: "REPLACED" });
    assert.deepEqual(services(r.document!.data).web.environment, { "${KEY}": "value" });
  });

  it("leaves x- extension values untouched, even malformed or unset ones", () => {
    const text = ["x-notes:", '  raw: "${NOT_SET} costs $5"', "services:", "  web:", "    image: nginx:1.27", "    x-meta:", '      v: "${ALSO_NOT_SET}"', ""].join("\n");
    const r = load(text);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.document!.data["x-notes"], { raw: "${NOT_SET} costs $5" });
    assert.deepEqual(services(r.document!.data).web["x-meta"], { v: "${ALSO_NOT_SET}" });
  });

  it("warns about each unset variable at the value's position and uses an empty string", () => {
    const text = ["services:", "  web:", "    image: nginx:1.27", "    environment:", "      A: x${NOPE}y", "      B: ok", "      C: $OTHER", ""].join("\n");
    const r = load(text);
    assert.deepEqual(errors(r.problems), []);
    const w = warnings(r.problems);
    assert.deepEqual(w.map((p) => [p.line, p.column]), [[5, 10], [7, 10]]);
    assert.match(w[0].message, /NOPE is not set/);
    assert.match(w[1].message, /OTHER is not set/);
    assert.deepEqual(services(r.document!.data).web.environment, { A: "xy", B: "ok", C: "" });
  });

  it("reports a malformed expression as an error at the value", () => {
    const text = ["services:", "  web:", "    image: nginx:1.27", "    environment:", "      A: cost $ 5", ""].join("\n");
    const e = errors(load(text).problems);
    assert.equal(e.length, 1);
    assert.deepEqual([e[0].line, e[0].column], [5, 10]);
    assert.match(e[0].message, /invalid interpolation/);
  });

  it("reports a failed ${VAR:?msg} requirement as an error", () => {
    const text = ["services:", "  web:", '    image: "nginx:${TAG:?set TAG}"', ""].join("\n");
    const e = errors(load(text).problems);
    assert.equal(e.length, 1);
    assert.deepEqual([e[0].line, e[0].column], [3, 12]);
    assert.match(e[0].message, /set TAG/);
  });

  it("does not interpolate non-string scalars", () => {
    const text = ["services:", "  web:", "    image: nginx:1.27", "    init: true", "    ports:", "      - 80", ""].join("\n");
    const r = load(text);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(services(r.document!.data).web, { image: "nginx:1.27", init: true, ports: [80] });
  });
});
