import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as vm from "node:vm";

// The program's entry pieces are CommonJS scripts (they run before any TypeScript is compiled).
const load = createRequire(__filename);
const { bundle } = load("../../scripts/bundle.cjs") as { bundle: (root: string, entry: string, name: string, options?: { packages?: "external" }) => string };
const { plainStacksForTheSdk, promiseStacksNotCaptured, SDK_FRAMES, PROMISE_STACK_NOT_KEPT } = load("../../scripts/sdkStacks.cjs") as {
  plainStacksForTheSdk: (sdkDir: string, env?: NodeJS.ProcessEnv, libraryDirs?: string[]) => void;
  promiseStacksNotCaptured: (debuggable: { debuggablePromise: (p: Promise<unknown>, ctx: string) => Promise<unknown> }, env?: NodeJS.ProcessEnv) => boolean;
  SDK_FRAMES: number;
  PROMISE_STACK_NOT_KEPT: string;
};
const { quietSdkDebug } = load("../../scripts/sdkDebug.cjs") as { quietSdkDebug: (logModule: object, env: NodeJS.ProcessEnv) => boolean };
const { FLAGS } = load("../../scripts/heapGrowth.cjs") as { FLAGS: string[] };

/** A project whose entry imports a module of its own and an npm package. */
function project(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "program-entry-"));
  fs.mkdirSync(path.join(root, "src"));
  fs.mkdirSync(path.join(root, "node_modules", "dep"), { recursive: true });
  fs.writeFileSync(path.join(root, "node_modules", "dep", "index.js"), "exports.dep = 'from the package';\n");
  fs.writeFileSync(path.join(root, "index.ts"), "import { answer } from './src/answer';\nimport { dep } from 'dep';\nexport const result: string = `${answer} ${dep}`;\n");
  fs.writeFileSync(path.join(root, "src", "answer.ts"), "export const answer: number = 41;\n");
  return root;
}

/** Past the two seconds in which a file just written is not trusted (its ctime cannot be set back). */
function settle(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2100);
}

function run(file: string): unknown {
  delete load.cache[file];
  return (load(file) as { result: unknown }).result;
}

describe("program entry: the bundle", () => {
  it("is built from the sources, the npm packages left as packages, and built again exactly when a source changes", () => {
    const root = project();
    try {
      settle();
      const out = bundle(root, "index.ts", "program", { packages: "external" });
      assert.equal(run(out), "41 from the package");
      assert.doesNotMatch(fs.readFileSync(out, "utf8"), /from the package/, "the package is required, not copied");
      const built = fs.statSync(out).mtimeMs;
      assert.equal(bundle(root, "index.ts", "program", { packages: "external" }), out);
      assert.equal(fs.statSync(out).mtimeMs, built, "nothing changed: not built again");
      fs.writeFileSync(path.join(root, "src", "answer.ts"), "export const answer: number = 42;\n");
      assert.equal(run(bundle(root, "index.ts", "program", { packages: "external" })), "42 from the package");
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("builds again when its stamp cannot be read (a run cut short while writing it)", () => {
    const root = project();
    try {
      settle();
      const out = bundle(root, "index.ts", "program", { packages: "external" });
      fs.writeFileSync(`${out}.inputs.json`, "{\"index.ts\": ");
      fs.writeFileSync(path.join(root, "src", "answer.ts"), "export const answer: number = 43;\n");
      assert.equal(run(bundle(root, "index.ts", "program", { packages: "external" })), "43 from the package");
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("does not trust a source written in the two seconds before its build: the next run builds again", () => {
    const root = project();
    try {
      fs.writeFileSync(path.join(root, "src", "answer.ts"), "export const answer: number = 7;\n");
      const out = bundle(root, "index.ts", "program", { packages: "external" });
      assert.equal(run(out), "7 from the package");
      assert.equal(fs.existsSync(`${out}.inputs.json`), false, "no stamp to trust");
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("program entry: the SDK's own stack captures", () => {
  it("are formatted without the installed formatter, first frames only; other errors keep it", () => {
    const sdkDir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-sdk-"));
    const errors = Error as { prepareStackTrace?: unknown };
    const saved = { prepare: errors.prepareStackTrace, limit: Error.stackTraceLimit };
    try {
      Error.prepareStackTrace = (error: Error) => `mapped: ${error.message}`;
      plainStacksForTheSdk(sdkDir);
      Error.stackTraceLimit = Number.POSITIVE_INFINITY;
      // A capture made by a function of a file inside the SDK's directory, 40 calls deep.
      const capture = vm.runInThisContext("(function capture() { return new Error('sdk capture').stack; })", { filename: path.join(sdkDir, "runtime", "debuggable.js") }) as () => string;
      const deep = (n: number): string => (n === 0 ? capture() : deep(n - 1));
      const stack = deep(40);
      assert.match(stack, /^Error: sdk capture\n {4}at capture \(.*debuggable\.js:1:\d+\)\n/);
      assert.equal(stack.split("\n").length, 1 + SDK_FRAMES);
      assert.equal(new Error("ours").stack, "mapped: ours");
    } finally {
      errors.prepareStackTrace = saved.prepare;
      Error.stackTraceLimit = saved.limit;
      fs.rmSync(sdkDir, { recursive: true, force: true });
    }
  });

  it("so are the captures of the libraries named with it (gRPC's), and only theirs", () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "fake-libs-"));
    const errors = Error as { prepareStackTrace?: unknown };
    const saved = errors.prepareStackTrace;
    const capture = (file: string): string => (vm.runInThisContext("(function capture() { return new Error('capture').stack; })", { filename: path.join(base, file) }) as () => string)();
    try {
      errors.prepareStackTrace = (error: Error) => `mapped: ${error.message}`;
      plainStacksForTheSdk(path.join(base, "sdk"), {}, [path.join(base, "grpc")]);
      assert.match(capture("grpc/build/src/call.js"), /^Error: capture\n {4}at capture \(.*call\.js:1:\d+\)/);
      assert.match(capture("sdk/runtime/rpc.js"), /^Error: capture\n {4}at capture /);
      assert.equal(capture("grpc-other/call.js"), "mapped: capture", "a directory that only starts with the library's name");
      assert.equal(capture("program.js"), "mapped: capture");
    } finally {
      errors.prepareStackTrace = saved;
      fs.rmSync(base, { recursive: true, force: true });
    }
  });

  it("a promise's stack (the SDK's debuggablePromise) is not formatted, unless PULUMI_DEBUG_PROMISE_LEAKS asks the SDK to print it", () => {
    const sdkDir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-sdk-"));
    const errors = Error as { prepareStackTrace?: unknown };
    const saved = errors.prepareStackTrace;
    const promiseStack = (): string => (vm.runInThisContext("(function debuggablePromise() { return new Error().stack; })", { filename: path.join(sdkDir, "runtime", "debuggable.js") }) as () => string)();
    try {
      errors.prepareStackTrace = (error: Error) => `mapped: ${error.message}`;
      plainStacksForTheSdk(sdkDir, {});
      assert.equal(promiseStack(), PROMISE_STACK_NOT_KEPT);
      assert.match(PROMISE_STACK_NOT_KEPT, /PULUMI_DEBUG_PROMISE_LEAKS=true/);
      errors.prepareStackTrace = (error: Error) => `mapped: ${error.message}`;
      plainStacksForTheSdk(sdkDir, { PULUMI_DEBUG_PROMISE_LEAKS: "true" });
      assert.match(promiseStack(), /^Error\n {4}at debuggablePromise \(.*debuggable\.js:1:\d+\)\n/);
    } finally {
      errors.prepareStackTrace = saved;
      fs.rmSync(sdkDir, { recursive: true, force: true });
    }
  });

  it("a promise's stack is not even captured, unless PULUMI_DEBUG_PROMISE_LEAKS asks for it", async () => {
    const seen: number[] = [];
    const fake = {
      debuggablePromise: (p: Promise<unknown>, ctx: string) => {
        seen.push(Error.stackTraceLimit);
        void Object.defineProperty(p, "_debugStackTrace", { writable: true, value: new Error(ctx).stack });
        return p.then((v) => v);
      },
    };
    const limit = Error.stackTraceLimit;
    assert.equal(promiseStacksNotCaptured(fake, { PULUMI_DEBUG_PROMISE_LEAKS: "true" }), false);
    const kept = Promise.resolve(1);
    void fake.debuggablePromise(kept, "kept");
    assert.match((kept as unknown as { _debugStackTrace: string })._debugStackTrace, /^Error: kept\n {4}at /);
    assert.equal(promiseStacksNotCaptured(fake, {}), true);
    const p = Promise.resolve(2);
    const returned = fake.debuggablePromise(p, "not kept");
    assert.deepEqual(seen, [limit, 0], "no frame captured inside, and the limit put back");
    assert.equal(Error.stackTraceLimit, limit);
    assert.equal((p as unknown as { _debugStackTrace: string })._debugStackTrace, PROMISE_STACK_NOT_KEPT);
    assert.equal(await returned, 2);
  });

  it("the SDK's own debuggablePromise, wrapped: the SDK calls the wrapper, and a promise keeps its value, context and leak check", () => {
    const code = `
      const path = require("node:path");
      const { promiseStacksNotCaptured, PROMISE_STACK_NOT_KEPT } = require(${JSON.stringify(path.resolve(__dirname, "../../scripts/sdkStacks.cjs"))});
      const sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
      require("@pulumi/pulumi");
      const debuggable = require(path.join(sdkDir, "runtime", "debuggable.js"));
      const wrapped = promiseStacksNotCaptured(debuggable, {});
      // The SDK's modules call it through the export: the runtime's keep-alive promise goes through the wrapper.
      const ours = debuggable.debuggablePromise;
      let sdkCalls = 0;
      debuggable.debuggablePromise = (q, ctx) => (sdkCalls++, ours(q, ctx));
      require("@pulumi/pulumi").runtime.rpcKeepAlive()();
      debuggable.debuggablePromise = ours;
      const p = Promise.resolve(7);
      debuggable.debuggablePromise(p, "ctx").then((v) => console.log(JSON.stringify({
        wrapped, sdkCalls, same: debuggable === require("@pulumi/pulumi/runtime/debuggable"), value: v, ctx: p._debugCtx,
        stack: p._debugStackTrace === PROMISE_STACK_NOT_KEPT, leaks: debuggable.leakedPromises()[0].size })));`;
    const out = JSON.parse(execFileSync(process.execPath, ["-e", code], { cwd: path.resolve(__dirname, "../.."), encoding: "utf8" })) as Record<string, unknown>;
    assert.deepEqual(out, { wrapped: true, sdkCalls: 1, same: true, value: 7, ctx: "ctx", stack: true, leaks: 0 });
  });

  it("leave stacks alone when no formatter is installed", () => {
    const errors = Error as { prepareStackTrace?: unknown };
    const saved = errors.prepareStackTrace;
    try {
      delete errors.prepareStackTrace;
      plainStacksForTheSdk(os.tmpdir());
      assert.equal(errors.prepareStackTrace, undefined);
    } finally {
      errors.prepareStackTrace = saved;
    }
  });
});

describe("program entry: the SDK's preload (Pulumi.yaml's nodeargs, before the SDK's runner)", () => {
  it("in a fresh Node started as the language host starts it: the compile cache on, the SDK's and gRPC's stacks unmapped, its promises' stacks not captured, its debug messages quiet, its unused modules not loaded", () => {
    const root = path.resolve(__dirname, "../..");
    const code = `
      const path = require("node:path");
      const vm = require("node:vm");
      const os = require("node:os");
      const sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
      const grpcDir = path.dirname(require.resolve("@grpc/grpc-js/package.json", { paths: [sdkDir] }));
      const loaded = (name) => Object.keys(require.cache).some((file) => file.includes(path.sep + name + path.sep));
      const order = Object.keys(require.cache);
      const first = (name) => order.findIndex((file) => file.includes(name));
      const before = {
        sourceMaps: loaded("source-map-support"),
        sdkIndex: require.cache[path.join(sdkDir, "index.js")] !== undefined,
        tracingFirst: first(path.join("cmd", "run", "instrumentation.js")) >= 0 && first(path.join("cmd", "run", "instrumentation.js")) < first("source-map-support") && first("source-map-support") < first(path.join("log", "index.js")),
      };
      // A capture 30 calls deep: unmapped ones keep their first frames only, source-map-support keeps them all.
      Error.stackTraceLimit = 50;
      const frames = (dir) => {
        const capture = vm.runInThisContext("(function capture() { return new Error('x').stack; })", { filename: path.join(dir, "capture.js") });
        const deep = (n) => (n === 0 ? capture() : deep(n - 1));
        return deep(30).split("\\n").length - 1;
      };
      const debuggable = require(path.join(sdkDir, "runtime", "debuggable.js"));
      const p = Promise.resolve(1);
      debuggable.debuggablePromise(p, "ctx");
      const log = require(path.join(sdkDir, "log", "index.js"));
      require("@pulumi/pulumi");
      console.log(JSON.stringify({
        before,
        compileCache: require("node:module").getCompileCacheDir?.() ?? null,
        sdk: frames(sdkDir), grpc: frames(grpcDir), other: frames(os.tmpdir()),
        promiseStack: p._debugStackTrace,
        debugQuiet: log.debug.toString().includes("Promise.resolve()"),
        arborist: loaded(path.join("@npmcli", "arborist")), automation: loaded("automation"),
      }));`;
    const env = { ...process.env };
    delete env.NODE_COMPILE_CACHE;
    delete env.PULUMI_DEBUG_PROMISE_LEAKS;
    delete env.DEPLOY_SDK_DEBUG;
    const { compileCache, other, ...out } = JSON.parse(execFileSync(process.execPath, ["--require", "./scripts/sdkPreload.cjs", "-e", code], { cwd: root, env, encoding: "utf8" })) as Record<string, unknown>;
    assert.ok(String(compileCache).startsWith(path.join(root, ".deploy", "compile-cache") + path.sep), `compile cache in .deploy/compile-cache: ${String(compileCache)}`);
    assert.ok(Number(other) > 30, `another file's capture keeps every frame: ${String(other)}`);
    assert.deepEqual(out, {
      before: { sourceMaps: true, sdkIndex: false, tracingFirst: true },
      sdk: SDK_FRAMES,
      grpc: SDK_FRAMES,
      promiseStack: PROMISE_STACK_NOT_KEPT,
      debugQuiet: true,
      arborist: false,
      automation: false,
    });
  });
});

describe("program entry: the SDK's debug messages", () => {
  it("are dropped, unless DEPLOY_SDK_DEBUG=1; info, warnings and errors still reach the engine", async () => {
    const sent: string[] = [];
    const fake = () => ({
      debug: (m: string) => { sent.push(`debug ${m}`); return Promise.resolve(); },
      info: (m: string) => { sent.push(`info ${m}`); return Promise.resolve(); },
      warn: (m: string) => { sent.push(`warn ${m}`); return Promise.resolve(); },
    });
    const quiet = fake();
    assert.equal(quietSdkDebug(quiet, {}), true);
    await quiet.debug("Registering resource");
    await quiet.info("ignored keys");
    await quiet.warn("uncommitted changes");
    assert.deepEqual(sent, ["info ignored keys", "warn uncommitted changes"]);
    const asked = fake();
    assert.equal(quietSdkDebug(asked, { DEPLOY_SDK_DEBUG: "1" }), false);
    await asked.debug("Registering resource");
    assert.deepEqual(sent.slice(2), ["debug Registering resource"]);
  });

  it("are quieted on the module the SDK's own code and its `pulumi.log` call through", () => {
    const logModule = load("@pulumi/pulumi/log") as { debug: unknown };
    const runtimeLog = load("@pulumi/pulumi").log as { debug: unknown };
    const saved = logModule.debug;
    try {
      quietSdkDebug(logModule, {});
      assert.equal(runtimeLog.debug, logModule.debug, "pulumi.log is the module quieted");
      assert.notEqual(logModule.debug, saved);
    } finally {
      logModule.debug = saved;
    }
  });
});

describe("program entry: the heap's growth", () => {
  /** The size of V8's new space after a burst of allocations like a registration's (promises, objects, strings; some kept a while), in a fresh process. */
  function newSpaceAfterBurst(small: boolean): { start: number; end: number } {
    const script = `
      const v8 = require("node:v8");
      if (${small}) require(${JSON.stringify(path.resolve(__dirname, "../../scripts/heapGrowth.cjs"))}).limitHeapGrowth(v8);
      const size = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size;
      const start = size();
      let kept = [];
      for (let i = 0; i < 2e6; i++) {
        const o = { i, s: "x" + i, p: Promise.resolve(i) };
        if (i % 50 === 0) kept.push(o);
        if (kept.length > 2e4) kept = [];
      }
      process.stdout.write(JSON.stringify({ start, end: size() }));`;
    return JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" })) as { start: number; end: number };
  }

  it("keeps the young generation near its initial size where V8 would grow it", () => {
    const kept = newSpaceAfterBurst(true);
    const grown = newSpaceAfterBurst(false);
    // Kept, it still ends at 2–2.5 MiB from 1 (a busy machine lets V8 add a few pages); grown, at 32 MiB.
    assert.ok(kept.end <= 4 * kept.start, `kept small: ${kept.start} → ${kept.end} bytes`);
    assert.ok(grown.end >= 4 * kept.end, `without it V8 grows it: ${grown.start} → ${grown.end} bytes`);
  });

  it("sets flags this Node's V8 knows, without a warning (V8 ignores an unknown flag, saying so on stderr)", () => {
    const known = execFileSync(process.execPath, ["--v8-options"], { encoding: "utf8" });
    for (const flag of FLAGS) assert.ok(known.includes(`  ${flag.split("=")[0]} `), `${flag} is one of V8's options`);
    const script = `require(${JSON.stringify(path.resolve(__dirname, "../../scripts/heapGrowth.cjs"))}).limitHeapGrowth(require("node:v8"));`;
    const run = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
    assert.equal(run.status, 0);
    assert.equal(run.stderr + run.stdout, "");
  });
});
