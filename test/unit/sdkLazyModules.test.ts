import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import * as path from "node:path";
import { describe, it } from "node:test";

const load = createRequire(__filename);
type Shape = "namespace" | "function" | "object";
const { lazySdkModules, LAZY } = load("../../scripts/sdkLazyModules.cjs") as {
  lazySdkModules: (sdkDir: string, moduleSystem?: { _load: (request: string, parent: unknown, isMain: boolean) => unknown }) => void;
  LAZY: { from: string; request: string; shape: Shape }[];
};
const ROOT = path.resolve(__dirname, "../..");

/** A module system whose _load counts the loads of each request and returns `modules[request]`. */
function moduleSystem(modules: Record<string, unknown>) {
  const loads: string[] = [];
  return { loads, _load: (request: string, _parent: unknown, _isMain: boolean) => (loads.push(request), modules[request]) };
}

describe("program entry: modules the SDK loads for what the program does not use", () => {
  const sdk = "/sdk";
  const parentOf = (request: string) => ({ filename: path.join(sdk, LAZY.find((m) => m.request === request)!.from) });

  it("are loaded when first used, once, and then behave as themselves", () => {
    const arborist = { Arborist: class Arborist {} };
    const normalize = (data: { name?: string }) => `normalized ${data.name}`;
    const system = moduleSystem({ "@npmcli/arborist": arborist, "normalize-package-data": normalize, "./other": { other: true } });
    lazySdkModules(sdk, system);
    const lazyArborist = system._load("@npmcli/arborist", parentOf("@npmcli/arborist"), false) as typeof arborist & { __esModule?: boolean };
    const lazyNormalize = system._load("normalize-package-data", parentOf("normalize-package-data"), false) as typeof normalize & { __esModule?: boolean };
    assert.deepEqual(system.loads, [], "nothing loaded when required");
    // TypeScript's __importStar keeps a module that says __esModule; __importDefault wraps one that does not.
    assert.equal(lazyArborist.__esModule, true);
    assert.equal(lazyNormalize.__esModule, undefined);
    assert.deepEqual(system.loads, []);
    assert.equal(lazyArborist.Arborist, arborist.Arborist);
    assert.equal(lazyNormalize({ name: "x" }), "normalized x");
    assert.deepEqual(Object.keys(lazyArborist), ["Arborist"]);
    assert.equal(system._load("@npmcli/arborist", parentOf("@npmcli/arborist"), false), lazyArborist, "the same stand-in for the same require");
    assert.deepEqual(system.loads, ["@npmcli/arborist", "normalize-package-data"], "each loaded once, at its first use");
  });

  it("are the SDK's own requires only: the same request from another file is loaded at once", () => {
    const system = moduleSystem({ "@npmcli/arborist": { Arborist: 1 } });
    lazySdkModules(sdk, system);
    assert.deepEqual(system._load("@npmcli/arborist", { filename: "/project/index.js" }, false), { Arborist: 1 });
    assert.deepEqual(system.loads, ["@npmcli/arborist"]);
  });

  it("with the real SDK: not loaded by `require(\"@pulumi/pulumi\")`, and function serialization, code paths and the Automation API give what they give without", () => {
    // A fresh Node for each way (the modules must not be loaded already).
    const probe = (lazy: boolean): Record<string, unknown> => {
      const code = `
        const path = require("node:path");
        const sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
        if (${lazy}) require(${JSON.stringify(path.join(ROOT, "scripts/sdkLazyModules.cjs"))}).lazySdkModules(sdkDir);
        const files = { arborist: "@npmcli/arborist", normalize: "normalize-package-data", typescript: "typescript", automation: path.join(sdkDir, "automation") };
        const loaded = () => Object.keys(files).filter((m) => require.resolve(files[m], { paths: [path.join(sdkDir, "runtime", "closure")] }) in require.cache);
        const pulumi = require("@pulumi/pulumi");
        const before = loaded();
        (async () => {
          const answer = 42;
          const serialized = await pulumi.runtime.serializeFunction(() => answer + 1);
          const paths = await pulumi.runtime.computeCodePaths({ extraIncludePackages: ["yaml"] });
          const workspace = typeof pulumi.automation.LocalWorkspace.create;
          console.log(JSON.stringify({ before, after: loaded(), text: serialized.text, paths: [...paths.keys()].sort(), workspace }));
        })().catch((e) => { console.error(e); process.exit(1); });`;
      return JSON.parse(execFileSync(process.execPath, ["-e", code], { cwd: ROOT, encoding: "utf8" })) as Record<string, unknown>;
    };
    const lazy = probe(true);
    const eager = probe(false);
    assert.deepEqual(lazy.before, [], "not loaded with the SDK");
    assert.deepEqual(eager.before, ["arborist", "normalize", "typescript", "automation"], "what the SDK loads by itself");
    assert.deepEqual(lazy.after, eager.after, "loaded once used");
    assert.equal(lazy.text, eager.text);
    assert.match(String(lazy.text), /answer/);
    assert.deepEqual(lazy.paths, eager.paths);
    assert.ok((lazy.paths as string[]).some((p) => p.includes(`${path.sep}yaml`)), "the code paths list the package asked for");
    assert.equal(lazy.workspace, "function");
  });
});
