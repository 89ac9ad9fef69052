// Bundles a TypeScript entry of this project (and the npm packages it uses, @pulumi/* excepted; with
// { packages: "external" }, none of them) into one CommonJS file under .deploy/, built again only when
// one of its inputs changed: the no-change check of scripts/deploy.sh loads from there in a few tens of
// milliseconds, the Pulumi program (scripts/program.cjs) without compiling TypeScript (README,
// "Performance"). Inputs are compared by size, times and inode, as
// git's index does; a file written in the two seconds before a build is not trusted, and the next
// run builds again. An entry must not import another command of src/cli/: in one bundle, each one's
// `require.main === module` is true, and every command would run.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const TRUST_AFTER_MS = 2000;

function signature(file) {
  try {
    const st = fs.statSync(file, { bigint: true });
    return `${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.ino}`;
  } catch {
    return null;
  }
}

/** Whether every input the stamp lists still has its signature (an unreadable stamp: no). */
function upToDate(root, stamp) {
  let inputs;
  try {
    inputs = JSON.parse(fs.readFileSync(stamp, "utf8"));
  } catch {
    return false;
  }
  return Object.entries(inputs).every(([file, sig]) => signature(path.join(root, file)) === sig);
}

/** Path of the bundle of `entry` (relative to `root`), built first when missing or out of date. */
function bundle(root, entry, name, options = {}) {
  const out = path.join(root, ".deploy", `${name}.cjs`);
  const stamp = `${out}.inputs.json`;
  if (fs.existsSync(out) && upToDate(root, stamp)) return out;
  const started = Date.now();
  const result = require("esbuild").buildSync({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    // The Pulumi SDK and providers stay packages (their own files); dclint is read as files.
    ...(options.packages === "external" ? { packages: "external" } : { external: ["@pulumi/*", "dclint"] }),
    outfile: out,
    sourcemap: "linked",
    metafile: true,
    logLevel: "error",
    write: false,
  });
  // Written beside, then renamed: a run starting meanwhile loads the old bundle or the new, never half of one.
  for (const f of result.outputFiles) {
    fs.mkdirSync(path.dirname(f.path), { recursive: true });
    fs.writeFileSync(`${f.path}.${process.pid}`, f.contents);
    fs.renameSync(`${f.path}.${process.pid}`, f.path);
  }
  const inputs = {};
  let trusted = true;
  for (const file of Object.keys(result.metafile.inputs)) {
    inputs[file] = signature(path.join(root, file));
    const st = fs.statSync(path.join(root, file));
    if (Math.max(st.mtimeMs, st.ctimeMs) > started - TRUST_AFTER_MS) trusted = false;
  }
  if (trusted) {
    fs.writeFileSync(`${stamp}.${process.pid}`, JSON.stringify(inputs));
    fs.renameSync(`${stamp}.${process.pid}`, stamp);
  } else {
    fs.rmSync(stamp, { force: true });
  }
  return out;
}

module.exports = { bundle };

// node scripts/bundle.cjs ENTRY NAME: builds (when needed) and prints the bundle's path.
if (require.main === module) console.log(bundle(process.cwd(), process.argv[2], process.argv[3]));
