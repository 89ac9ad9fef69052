// Stack traces the Pulumi SDK captures for its own bookkeeping, formatted without source maps.
"use strict";
const path = require("node:path");

/** How many frames an SDK capture keeps: a resource's source position is its 6th, then two of its callers (every frame kept costs time and memory at each promise the SDK makes). */
const SDK_FRAMES = 8;

/**
 * The SDK records a stack at every promise it makes (for its report of leaked promises) and the
 * whole call stack of every resource it registers (its source position). Its runner installs
 * source-map-support, which maps every frame of every such capture through source maps: more than
 * a quarter of the program's CPU time in a preview of 2 folders. From here on, a stack captured by code
 * under `sdkDir` gets V8's own formatting of its first frames, unmapped; every other error keeps
 * the stack the installed formatter gives it. Nothing changes when no formatter is installed.
 */
function plainStacksForTheSdk(sdkDir) {
  const mapped = Error.prepareStackTrace;
  if (typeof mapped !== "function") return;
  const sdk = path.resolve(sdkDir) + path.sep;
  Error.prepareStackTrace = (error, frames) => {
    if (!frames[0]?.getFileName()?.startsWith(sdk)) return mapped(error, frames);
    return `${error}\n${frames.slice(0, SDK_FRAMES).map((f) => `    at ${f}`).join("\n")}`;
  };
}

module.exports = { plainStacksForTheSdk, SDK_FRAMES };
