import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { e2e, openProject, REPO_ROOT, skipReason } from "./harness";

/**
 * The real Pulumi engine and Node.js language host running the program. No provider plugin is
 * needed: an invalid service folder stops the program before any Docker resource is declared.
 */
describe("the real engine on an invalid service folder", { skip: skipReason("engine tests") }, () => {
  it("fails the preview with every problem as path:line:col and no stack trace", async () => {
    const fixture = fs.mkdtempSync(path.join(os.tmpdir(), "broken-fixture-"));
    fs.cpSync(path.join(REPO_ROOT, "test/fixtures/services"), fixture, { recursive: true });
    const compose = path.join(fixture, "e2e-app/docker-compose.yml");
    fs.writeFileSync(compose, fs.readFileSync(compose, "utf8").replace("    container_name: e2e-app\n", "    container_nme: e2e-app\n"));
    fs.rmSync(path.join(fixture, "e2e-web/secrets/web.secrets.example"));
    const p = await openProject(fixture);
    try {
      await assert.rejects(p.stack.preview(), (e: Error) => {
        assert.match(e.message, new RegExp(e2e(String.raw`services\/e2e-app\/docker-compose\.yml:6:5: services\.app: unknown key 'container_nme'`)));
        assert.match(e.message, new RegExp(e2e(String.raw`services\/e2e-web\/docker-compose\.yml:\d+:\d+: env_file services\/e2e-web\/secrets\/web\.secrets has no committed example`)));
        assert.match(e.message, /2 problem\(s\) in the service folders; nothing was declared/);
        assert.doesNotMatch(e.message, / {4}at .*\.(ts|js):\d+/, "no stack trace");
        return true;
      });
    } finally {
      await p.cleanup();
      fs.rmSync(fixture, { recursive: true, force: true });
    }
  });
});

describe("the real engine on the prod stack", { skip: skipReason("engine tests") }, () => {
  it("refuses `pulumi destroy` before touching anything", async () => {
    const noServices = fs.mkdtempSync(path.join(os.tmpdir(), "no-services-"));
    const p = await openProject(noServices, {}, "prod");
    try {
      const up = await p.stack.up();
      assert.equal(up.summary.result, "succeeded");
      const urnsBefore = ((await p.stack.exportStack()).deployment.resources ?? []).map((r: { urn: string }) => r.urn);
      assert.ok(urnsBefore.some((u: string) => u.endsWith("::prod-destroy-guard")));
      await assert.rejects(p.stack.destroy(), (e: Error) => {
        assert.match(e.message, /prod-destroy-guard" cannot be deleted\s+because it is protected/);
        assert.match(e.message, /pulumi state unprotect/);
        return true;
      });
      const urnsAfter = ((await p.stack.exportStack()).deployment.resources ?? []).map((r: { urn: string }) => r.urn);
      assert.deepEqual(urnsAfter, urnsBefore, "nothing was deleted");
    } finally {
      await p.cleanup();
      fs.rmSync(noServices, { recursive: true, force: true });
    }
  });
});
