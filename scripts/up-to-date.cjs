// node scripts/up-to-date.cjs STACK: the no-change check of scripts/deploy.sh (src/cli/upToDate.ts),
// bundled by scripts/bundle.cjs (built again when its sources changed). Exit codes: see that file.
"use strict";
const path = require("node:path");
const { bundle } = require("./bundle.cjs");

const { main } = require(bundle(path.resolve(__dirname, ".."), "src/cli/upToDate.ts", "up-to-date"));
main(process.argv.slice(2)).then((code) => process.exit(code));
