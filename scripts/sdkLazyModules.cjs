// Modules the Pulumi SDK loads at its start for features this program never uses, loaded when first used instead.
"use strict";
const Module = require("node:module");
const path = require("node:path");

/**
 * What the SDK requires as it loads, only for function serialization (`serializeFunction`, dynamic
 * providers, `computeCodePaths`) and for the Automation API: npm's @npmcli/arborist and what it
 * needs, TypeScript, the Automation API's modules. This program uses none of them, and loading them
 * took about 150 ms of every program run, two per `pulumi up` (468 of the 760 modules that
 * `require("@pulumi/pulumi")` loaded).
 *
 * Each one is required by `from` (relative to the SDK's directory) as `request`; its `shape` is how
 * that file reads it (the SDK's TypeScript output):
 * - "namespace": through __importStar, which keeps a module that says `__esModule` and copies every
 *   key of one that does not (reading every key would load it): the stand-in says `__esModule`;
 * - "function": through __importDefault (`{ default: module }` for a module without `__esModule`),
 *   then called: a callable stand-in without `__esModule`;
 * - "object": read a property at a time.
 */
const LAZY = [
  { from: "runtime/closure/codePaths.js", request: "@npmcli/arborist", shape: "namespace" },
  { from: "runtime/closure/codePaths.js", request: "normalize-package-data", shape: "function" },
  { from: "runtime/closure/parseFunction.js", request: "../../typescript-shim", shape: "object" },
  { from: "index.js", request: "./automation", shape: "namespace" },
];

/** A stand-in for a module, which loads it (`load()`) when anything of it is first read, called or changed. */
function standIn(load, shape) {
  let loaded;
  const real = () => (loaded ??= { module: load() }).module;
  // An arrow function has no non-configurable own key that the module would lack (a proxy's invariant).
  const target = shape === "function" ? () => undefined : {};
  return new Proxy(target, {
    // What TypeScript's helpers read when the module is required: answered without loading it.
    get: (_, key) => (key === "__esModule" && !loaded ? shape === "namespace" || undefined : Reflect.get(real(), key)),
    set: (_, key, value) => Reflect.set(real(), key, value),
    has: (_, key) => Reflect.has(real(), key),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_, key) => {
      const found = Reflect.getOwnPropertyDescriptor(real(), key);
      return found && { ...found, configurable: true };
    },
    apply: (_, self, args) => Reflect.apply(real(), self, args),
  });
}

/**
 * From here on, the modules of LAZY are loaded when the SDK under `sdkDir` first uses them. Requires
 * of the SDK already loaded (its runner loads part of it before the program) are not changed.
 */
function lazySdkModules(sdkDir, moduleSystem = Module) {
  const sdk = path.resolve(sdkDir);
  const lazy = new Map(LAZY.map((m) => [`${path.join(sdk, m.from)}\0${m.request}`, m.shape]));
  const standIns = new Map();
  const load = moduleSystem._load;
  moduleSystem._load = function (request, parent, isMain) {
    const key = `${parent?.filename}\0${request}`;
    const shape = lazy.get(key);
    if (shape === undefined) return load.call(this, request, parent, isMain);
    if (!standIns.has(key)) standIns.set(key, standIn(() => load.call(this, request, parent, isMain), shape));
    return standIns.get(key);
  };
}

module.exports = { lazySdkModules, LAZY };
