import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";

const ROOT = path.resolve(__dirname, "../..");
const WRAPPER = path.join(ROOT, "scripts/toolchain/pulumi-language-nodejs.sh");

/**
 * The arguments the language host receives when the CLI starts the wrapper, as scripts/toolchain.sh
 * installs it (the host under .langhost/ beside it), in a project holding `pulumiYaml` (none: no file),
 * or in its directory `programDir` (Pulumi.yaml's main: the CLI starts the host in the program's directory).
 */
function hostArgs(pulumiYaml: string | undefined, cliArgs: string[] = ["127.0.0.1:4242"], programDir = "."): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "langhost-"));
  try {
    fs.mkdirSync(path.join(dir, "bin", ".langhost"), { recursive: true });
    fs.mkdirSync(path.join(dir, "project", programDir), { recursive: true });
    fs.copyFileSync(WRAPPER, path.join(dir, "bin", "pulumi-language-nodejs"));
    fs.chmodSync(path.join(dir, "bin", "pulumi-language-nodejs"), 0o755);
    // The host stands in: it prints each argument it gets, one per line.
    fs.writeFileSync(path.join(dir, "bin", ".langhost", "pulumi-language-nodejs"), "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n", { mode: 0o755 });
    if (pulumiYaml !== undefined) fs.writeFileSync(path.join(dir, "project", "Pulumi.yaml"), pulumiYaml);
    return execFileSync(path.join(dir, "bin", "pulumi-language-nodejs"), cliArgs, { cwd: path.join(dir, "project", programDir), encoding: "utf8" }).split("\n").slice(0, -1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("toolchain: the language host built from sdk v3.68 gets the project's runtime options as flags", () => {
  it("this project's Pulumi.yaml: typescript false and the SDK's preload, before the CLI's own arguments", () => {
    assert.deepEqual(hostArgs(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"), ["-root=/p", "127.0.0.1:4242"]), [
      "-typescript=false",
      "-nodeargs=--require ./scripts/sdkPreload.cjs",
      "-root=/p",
      "127.0.0.1:4242",
    ]);
    assert.ok(fs.existsSync(path.join(ROOT, "scripts/sdkPreload.cjs")), "the preload is where nodeargs says, from the project's directory (Node's working directory)");
  });

  it("started in a directory below the project (Pulumi.yaml's main), reads the project's Pulumi.yaml", () => {
    const yaml = "name: x\nmain: src/program\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n";
    assert.deepEqual(hostArgs(yaml, ["127.0.0.1:4242"], "src/program"), ["-typescript=false", "127.0.0.1:4242"]);
  });

  it("reads quoted and commented values, and only typescript, tsconfig and nodeargs under runtime: options:", () => {
    const yaml = [
      "name: x",
      "config:",
      "  typescript: true",
      "runtime:",
      "  name: nodejs",
      "  options:",
      "    # a comment",
      "    typescript: \"false\"   # why",
      "    nodeargs: '--max-old-space-size=4096 --trace-warnings' # heap",
      "    tsconfig: tsconfig.build.json",
      "    packagemanager: npm",
      "  other:",
      "    typescript: true",
      "description: after",
      "",
    ].join("\n");
    assert.deepEqual(hostArgs(yaml), ["-typescript=false", "-nodeargs=--max-old-space-size=4096 --trace-warnings", "-tsconfig=tsconfig.build.json", "127.0.0.1:4242"]);
  });

  it("passes nothing it cannot read so: flow style, a typescript value that is not a boolean, no Pulumi.yaml", () => {
    assert.deepEqual(hostArgs("name: x\nruntime: {name: nodejs, options: {typescript: false}}\n"), ["127.0.0.1:4242"]);
    assert.deepEqual(hostArgs("name: x\nruntime:\n  name: nodejs\n  options:\n    typescript: maybe\n"), ["127.0.0.1:4242"]);
    assert.deepEqual(hostArgs("name: x\nruntime: nodejs\n"), ["127.0.0.1:4242"]);
    assert.deepEqual(hostArgs(undefined), ["127.0.0.1:4242"]);
  });
});
