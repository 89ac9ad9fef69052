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
 * under `sdkDir` (or under one of `libraryDirs`: gRPC's, whose client captures the caller's stack at
 * every call and formats it when the call fails) gets V8's own formatting of its first frames,
 * unmapped, and a promise's stack is not formatted at all unless the SDK will print it
 * (PROMISE_STACK_NOT_KEPT); every other error keeps the stack the installed formatter gives it.
 * Nothing changes when no formatter is installed.
 */
function plainStacksForTheSdk(sdkDir, env = process.env, libraryDirs = []) {
  const mapped = Error.prepareStackTrace;
  if (typeof mapped !== "function") return;
  const sdk = path.resolve(sdkDir) + path.sep;
  const plain = [sdk, ...libraryDirs.map((dir) => path.resolve(dir) + path.sep)];
  const debuggable = path.join(sdk, "runtime", "debuggable.js");
  const keepPromiseStacks = Boolean(env.PULUMI_DEBUG_PROMISE_LEAKS);
  Error.prepareStackTrace = (error, frames) => {
    const file = frames[0]?.getFileName();
    if (!file || !plain.some((dir) => file.startsWith(dir))) return mapped(error, frames);
    if (!keepPromiseStacks && file === debuggable && frames[0].getFunctionName() === "debuggablePromise") return PROMISE_STACK_NOT_KEPT;
    return `${error}\n${frames.slice(0, SDK_FRAMES).map((f) => `    at ${f}`).join("\n")}`;
  };
}

/**
 * What the SDK keeps as the stack of each promise it makes: it prints those stacks only when
 * PULUMI_DEBUG_PROMISE_LEAKS is set (its report of leaked promises), and then they are formatted as
 * above. Otherwise formatting them was 5 % of the program's CPU time in a preview of 30 folders.
 */
const PROMISE_STACK_NOT_KEPT = "(not kept: run with PULUMI_DEBUG_PROMISE_LEAKS=true for each promise's stack)";

/**
 * The SDK's `debuggablePromise` (runtime/debuggable.js, which its other modules call through the
 * module's export) captures a stack at every promise it makes: 6,420 times in a preview of 30 folders,
 * 114 ms of the program's CPU time, for a stack the SDK prints only when PULUMI_DEBUG_PROMISE_LEAKS is
 * set. Unless it is, the export is wrapped to capture no frame (17–30 ms) and keep PROMISE_STACK_NOT_KEPT
 * as the promise's stack, as formatting would have. Returns whether it wrapped.
 */
function promiseStacksNotCaptured(debuggable, env = process.env) {
  if (env.PULUMI_DEBUG_PROMISE_LEAKS || typeof debuggable.debuggablePromise !== "function") return false;
  const withStack = debuggable.debuggablePromise;
  debuggable.debuggablePromise = function debuggablePromise(p, ctx) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return withStack(p, ctx);
    } finally {
      Error.stackTraceLimit = limit;
      if (p !== null && typeof p === "object" && "_debugStackTrace" in p) p._debugStackTrace = PROMISE_STACK_NOT_KEPT;
    }
  };
  return true;
}

module.exports = { plainStacksForTheSdk, promiseStacksNotCaptured, SDK_FRAMES, PROMISE_STACK_NOT_KEPT };
