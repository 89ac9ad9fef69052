// What the program changes in the Pulumi SDK, done before the SDK's runner starts: Pulumi.yaml's
// runtime option `nodeargs` has Node load this file first (`--require`). The runner creates the stack's
// resource, and so captures and source-maps its first stacks, before it loads the program; the entry
// (scripts/program.cjs) loads this file too, so a runner started without it changes the same things,
// only later. Node loads a module once: done once either way.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { quietSdkDebug } = require("./sdkDebug.cjs");
const { plainStacksForTheSdk, promiseStacksNotCaptured } = require("./sdkStacks.cjs");
const { lazySdkModules } = require("./sdkLazyModules.cjs");

const root = path.resolve(__dirname, "..");

// V8's compiled code for every module loaded from here on, the runner's included, kept between runs
// (Node >= 22.1; a no-op before, and when NODE_COMPILE_CACHE, which scripts/setup.sh sets, already enabled it).
require("node:module").enableCompileCache?.(path.join(root, ".deploy", "compile-cache"));

const sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [root] }));
const sdk = (file) => require(path.join(sdkDir, file));

/** A package's directory as the SDK resolves it; none when it cannot (test/unit/programEntry.test.ts checks gRPC's is found). */
function packageDirs(name) {
  try {
    return [path.dirname(require.resolve(`${name}/package.json`, { paths: [sdkDir] }))];
  } catch {
    return [];
  }
}

// The modules the runner loads first, in its order (cmd/run/index.js): its tracing (which must see gRPC
// loaded after it; a runner without that file has nothing to order), the source maps' formatter of every
// stack, then the SDK's log.
const tracing = path.join(sdkDir, "cmd", "run", "instrumentation.js");
if (fs.existsSync(tracing)) require(tracing);
require(require.resolve("source-map-support/register", { paths: [sdkDir] }));
// The SDK's own stack captures, and gRPC's, unmapped (scripts/sdkStacks.cjs): over a quarter of a preview's CPU time otherwise.
plainStacksForTheSdk(sdkDir, process.env, packageDirs("@grpc/grpc-js"));
// Nor is a stack captured for each promise the SDK makes, unless PULUMI_DEBUG_PROMISE_LEAKS asks for them (scripts/sdkStacks.cjs).
promiseStacksNotCaptured(sdk("runtime/debuggable.js"));
// What the SDK loads for function serialization and the Automation API, unused here, loaded if ever used (scripts/sdkLazyModules.cjs): about 150 ms of each run otherwise.
lazySdkModules(sdkDir);
// The SDK's debug messages to the engine, one RPC per registration step, only with DEPLOY_SDK_DEBUG=1 (scripts/sdkDebug.cjs).
quietSdkDebug(sdk("log/index.js"), process.env);

module.exports = { root };
