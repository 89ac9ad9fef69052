// The Pulumi program's entry (package.json "main"): index.ts and src/ bundled into one CommonJS file,
// .deploy/program.cjs, built again when one of them changed (scripts/bundle.cjs; npm packages stay
// packages), then run. This replaces running index.ts through ts-node, the Node.js runtime's default,
// which compiled and type-checked every source file at every run, twice per `pulumi up` (its preview,
// then its update). Type errors are found by `npm run typecheck` and the tests, not at deploy time.
// README, "Performance": what each part of this saves.
"use strict";
// The compile cache, and the SDK's stacks, promises, unused modules and debug messages
// (scripts/sdkPreload.cjs, which Pulumi.yaml's nodeargs has Node load before the SDK's runner starts;
// here when it did not).
const { root } = require("./sdkPreload.cjs");
const { bundle } = require("./bundle.cjs");
const { limitHeapGrowth } = require("./heapGrowth.cjs");

// Its heap kept from growing far ahead of what it holds: a quarter less peak memory at 30 folders, two fifths less at 200 (scripts/heapGrowth.cjs).
limitHeapGrowth(require("node:v8"));
module.exports = require(bundle(root, "index.ts", "program", { packages: "external" }));
