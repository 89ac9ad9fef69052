// node scripts/deploy-env.cjs env <stack> | deployer: src/cli/deployEnv.ts, bundled by
// scripts/bundle.cjs (built again when its sources changed), for scripts/setup.sh and scripts/deploy.sh.
"use strict";
const path = require("node:path");
const { bundle } = require("./bundle.cjs");

const { deployEnv } = require(bundle(path.resolve(__dirname, ".."), "src/cli/deployEnv.ts", "deploy-env"));
process.exitCode = deployEnv(process.argv.slice(2), process.cwd(), (l) => console.log(l), (l) => console.error(l));
