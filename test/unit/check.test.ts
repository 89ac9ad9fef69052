import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runCheck } from "../../src/cli/check";

const ROOT = path.resolve(__dirname, "../..");

function check(argv: string[]): { code: number; lines: string[] } {
  const lines: string[] = [];
  const code = runCheck(argv, (l) => lines.push(l));
  return { code, lines };
}

/** Replaces `find` (which must occur exactly once) in a file of the copy. */
function edit(root: string, file: string, find: string, replace: string): void {
  const abs = path.join(root, file);
  const text = fs.readFileSync(abs, "utf8");
  assert.equal(text.split(find).length, 2, `'${find}' must occur once in ${file}`);
  fs.writeFileSync(abs, text.replace(find, replace));
}

/** 1-based line:col of the first occurrence of `needle` in a file of the copy. */
function positionOf(root: string, file: string, needle: string): string {
  const text = fs.readFileSync(path.join(root, file), "utf8");
  const at = text.indexOf(needle);
  assert.notEqual(at, -1, `'${needle}' in ${file}`);
  const before = text.slice(0, at).split("\n");
  return `${before.length}:${before[before.length - 1].length + 1}`;
}

describe("check on the repository's services", () => {
  it("passes: exit 0 and no error line", () => {
    const { code, lines } = check(["--root", ROOT]);
    assert.equal(code, 0, lines.join("\n"));
    assert.deepEqual(lines.filter((l) => l.includes("error:")), []);
    assert.match(lines[lines.length - 1], /^check \(test stack\): (\d+) service folder\(s\) read, \1 ready to deploy; 0 error\(s\)/);
    assert.ok(lines.some((l) => l.startsWith("services/template: ")), "the template is validated by check");
  });

  it("rejects unknown arguments with exit 2", () => {
    const { code, lines } = check(["--nope"]);
    assert.equal(code, 2);
    assert.match(lines[0], /unknown argument '--nope'/);
  });
});

describe("check on a broken copy", () => {
  const temps: string[] = [];
  after(() => {
    for (const t of temps) fs.rmSync(t, { recursive: true, force: true });
  });

  it("reports one wrong indentation once, and counts the folders it read and those it cannot deploy", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "check-test-"));
    temps.push(root);
    fs.cpSync(path.join(ROOT, "services"), path.join(root, "services"), { recursive: true });
    fs.copyFileSync(path.join(ROOT, "Pulumi.test.yaml"), path.join(root, "Pulumi.test.yaml"));
    // One space short: the YAML parser reports ten errors from this line on.
    edit(root, "services/pica-static/docker-compose.yml", "    container_name:", "   container_name:");
    const { code, lines } = check(["--root", root]);
    assert.equal(code, 1);
    const errors = lines.filter((l) => l.includes(": error: "));
    assert.equal(errors.length, 1, errors.join("\n"));
    assert.match(errors[0], /^services\/pica-static\/docker-compose\.yml:9:\d+: error: .*\(the parser reports 9 more error\(s\) after this one; most follow from it: fix it first\)$/);
    const read = fs.readdirSync(path.join(root, "services")).filter((f) => fs.statSync(path.join(root, "services", f)).isDirectory()).length;
    assert.equal(lines[lines.length - 1], `check (test stack): ${read} service folder(s) read, ${read - 1} ready to deploy, 1 with errors (pica-static); 1 error(s), 0 warning(s)`);
  });

  it("exits 1 and prints every problem with its position", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "check-test-"));
    temps.push(root);
    fs.cpSync(path.join(ROOT, "services"), path.join(root, "services"), { recursive: true });
    fs.copyFileSync(path.join(ROOT, "Pulumi.test.yaml"), path.join(root, "Pulumi.test.yaml"));
    // Real secrets (git-ignored) must not hide a missing example.
    for (const d of fs.readdirSync(path.join(root, "services"))) {
      const secrets = path.join(root, "services", d, "secrets");
      if (fs.existsSync(secrets)) for (const f of fs.readdirSync(secrets)) if (/\.secrets?$/.test(f)) fs.rmSync(path.join(secrets, f));
    }

    const mattermost = "services/pica-mattermost/docker-compose.yml";
    const pad = "services/pica-pad/docker-compose.yml";
    const stat = "services/pica-static/docker-compose.yml";
    const template = "services/template/docker-compose.yml";
    const broken = "services/pica-broken/docker-compose.yml";

    // 1. An unknown key (schema).
    edit(root, mattermost, "    shm_size: 256m\n", "    shm_size: 256m\n    restartt: always\n");
    // 2. A bad port (compose project).
    edit(root, pad, "    container_name: pica-pad-app\n", '    container_name: pica-pad-app\n    ports:\n      - "80:abc"\n');
    // 3. An unpinned image and 4. a missing README (apply stage and conventions, same folder).
    edit(root, stat, "image: registry.picasoft.net/pica-static:1.2.0", "image: registry.picasoft.net/pica-static");
    fs.rmSync(path.join(root, "services/pica-static/README.md"));
    // 5. A missing secret example (the template is checked too).
    fs.rmSync(path.join(root, "services/template/secrets/app.secrets.example"));
    // 6. A YAML syntax error in another folder.
    fs.mkdirSync(path.join(root, "services/pica-broken"));
    fs.writeFileSync(path.join(root, "services/pica-broken/README.md"), "# Broken\n");
    fs.writeFileSync(path.join(root, broken), "services:\n  app:\n    image: nginx:1.27\n    restart: always: no\n");

    const expected: [string, RegExp][] = [
      [`${mattermost}:${positionOf(root, mattermost, "restartt")}`, /unknown key 'restartt'/],
      [`${pad}:${positionOf(root, pad, '"80:abc"')}`, /services\.app\.ports\[0\]: '80:abc' is not a port mapping/],
      [`${stat}:${positionOf(root, stat, "registry.picasoft.net/pica-static\n")}`, /image 'registry\.picasoft\.net\/pica-static' has no tag/],
      // A missing file has no line: the folder is the position.
      ["services/pica-static", /no README\.md/],
      [`${template}:${positionOf(root, template, "./secrets/app.secrets")}`, /app\.secrets has no committed example/],
      [`${broken}:${positionOf(root, broken, "always: no")}`, /invalid YAML: Nested mappings are not allowed/],
    ];

    const { code, lines } = check(["--root", root]);
    const output = lines.join("\n");
    assert.equal(code, 1, output);
    for (const [where, message] of expected) {
      const line = lines.find((l) => l.startsWith(`${where}: error: `) && message.test(l));
      assert.ok(line, `expected '${where}: error: ${message.source}' in:\n${output}`);
    }
    const errorLines = lines.filter((l) => l.includes(": error: "));
    assert.equal(errorLines.length, expected.length, output);
    for (const l of errorLines) {
      if (l.startsWith("services/pica-static: ")) continue;
      assert.match(l, /^services\/[^:]+:\d+:\d+: error: /);
    }
    assert.match(lines[lines.length - 1], /6 error\(s\)/);
  });
});
