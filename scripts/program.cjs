// The Pulumi program's entry (package.json "main"): index.ts and src/ bundled into one CommonJS file,
// .deploy/program.cjs, built again when one of them changed (scripts/bundle.cjs; npm packages stay
// packages), then run. This replaces running index.ts through ts-node, the Node.js runtime's default,
// which compiled and type-checked every source file at every run, twice per `pulumi up` (its preview,
// then its update). Type errors are found by `npm run typecheck` and the tests, not at deploy time.
// README, "Performance": what each part of this saves.
"use strict";
const path = require("node:path");
const { bundle } = require("./bundle.cjs");

const root = path.resolve(__dirname, "..");

// V8's compiled code for every module loaded from here on, kept between runs (Node >= 22.1; a no-op
// before, and when NODE_COMPILE_CACHE, which scripts/setup.sh sets, already enabled it).
require("node:module").enableCompileCache?.(path.join(root, ".deploy", "compile-cache"));

/** How many frames an SDK bookkeeping capture keeps (a resource's source position is its 6th). */
const SDK_FRAMES = 16;

/**
 * The SDK records a stack at every promise it makes (for its report of leaked promises) and the
 * whole call stack of every resource it registers (its source position). Its runner installs
 * source-map-support, which maps every frame of every such capture through source maps: about a
 * third of the program's time in a preview of 30 folders. Stacks captured by the SDK's own code get
 * V8's formatting of their first frames, unmapped; every other error keeps its mapped stack.
 */
function plainStacksForTheSdk() {
  const mapped = Error.prepareStackTrace;
  if (typeof mapped !== "function") return;
  const sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [root] })) + path.sep;
  Error.prepareStackTrace = (error, frames) => {
    if (!frames[0]?.getFileName()?.startsWith(sdk)) return mapped(error, frames);
    return `${error}\n${frames.slice(0, SDK_FRAMES).map((f) => `    at ${f}`).join("\n")}`;
  };
}

plainStacksForTheSdk();
module.exports = require(bundle(root, "index.ts", "program", { packages: "external" }));
