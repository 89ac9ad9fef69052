// The Pulumi program's entry (package.json "main"): index.ts and src/ bundled into one CommonJS file,
// .deploy/program.cjs, built again when one of them changed (scripts/bundle.cjs; npm packages stay
// packages), then run. This replaces running index.ts through ts-node, the Node.js runtime's default,
// which compiled and type-checked every source file at every run, twice per `pulumi up` (its preview,
// then its update). Type errors are found by `npm run typecheck` and the tests, not at deploy time.
// README, "Performance": what each part of this saves.
"use strict";
const path = require("node:path");
const { bundle } = require("./bundle.cjs");
const { quietSdkDebug } = require("./sdkDebug.cjs");
const { plainStacksForTheSdk, promiseStacksNotCaptured } = require("./sdkStacks.cjs");
const { limitHeapGrowth } = require("./heapGrowth.cjs");
const { lazySdkModules } = require("./sdkLazyModules.cjs");

const root = path.resolve(__dirname, "..");

// V8's compiled code for every module loaded from here on, kept between runs (Node >= 22.1; a no-op
// before, and when NODE_COMPILE_CACHE, which scripts/setup.sh sets, already enabled it).
require("node:module").enableCompileCache?.(path.join(root, ".deploy", "compile-cache"));

// Its heap kept from growing far ahead of what it holds: a quarter less peak memory at 30 folders, two fifths less at 200 (scripts/heapGrowth.cjs).
limitHeapGrowth(require("node:v8"));
const sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [root] }));
// The SDK's own stack captures, unmapped (scripts/sdkStacks.cjs): over a quarter of a preview's CPU time otherwise.
plainStacksForTheSdk(sdkDir);
// Nor is a stack captured for each promise the SDK makes, unless PULUMI_DEBUG_PROMISE_LEAKS asks for them (scripts/sdkStacks.cjs).
promiseStacksNotCaptured(require(path.join(sdkDir, "runtime", "debuggable.js")));
// What the SDK loads for function serialization and the Automation API, unused here, loaded if ever used (scripts/sdkLazyModules.cjs): about 150 ms of each run otherwise.
lazySdkModules(sdkDir);
// The SDK's debug messages to the engine, one RPC per registration step, only with DEPLOY_SDK_DEBUG=1 (scripts/sdkDebug.cjs).
quietSdkDebug(require(require.resolve("@pulumi/pulumi/log", { paths: [root] })), process.env);
module.exports = require(bundle(root, "index.ts", "program", { packages: "external" }));
