/**
 * Benchmark (prints figures, asserts nothing): Pulumi's lock in a bucket, against a real S3 server
 * (rclone serve s3). Each round starts two `pulumi up` on one stack in the same instant and records
 * what each one's first attempt ended with (done, refused by the lock, "unexpected EOF", other), then
 * what our retry of "unexpected EOF" (src/state/backend.ts) made of it. The project is an empty
 * Pulumi program, so that a round measures the lock, not the services.
 * Usage: npm run bench:state [-- ROUNDS]   (needs scripts/toolchain.sh test-tools: rclone)
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { retryTruncatedReads } from "../src/state/backend";
import { REPO_ROOT } from "../test/e2e/harness";
import { rcloneMissing, startS3Server } from "../test/e2e/s3Server";

type Outcome = "done" | "locked" | "unexpected EOF" | "other";

function classify(code: number, output: string): Outcome {
  if (code === 0) return "done";
  if (/unexpected EOF/.test(output)) return "unexpected EOF";
  if (/currently locked/.test(output)) return "locked";
  return "other";
}

function up(dir: string, env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn("pulumi", ["up", "--yes", "--skip-preview", "--stack", "bench", "--non-interactive"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? -1, output }));
  });
}

async function main(): Promise<void> {
  const missing = rcloneMissing();
  if (missing) throw new Error(`cannot run: ${missing}`);
  const rounds = Number(process.argv[2] ?? 20);
  const s3 = await startS3Server(["bench"]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockerfiles-bench-state-"));
  try {
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: bench-state\nruntime: nodejs\n");
    fs.writeFileSync(path.join(dir, "index.js"), "exports.at = new Date(0).toISOString();\n");
    fs.writeFileSync(path.join(dir, "package.json"), '{"name": "bench-state", "main": "index.js"}\n');
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"));
    const env = { ...process.env, ...s3.keys, PULUMI_BACKEND_URL: s3.backendUrl("bench"), PULUMI_CONFIG_PASSPHRASE: "bench", PULUMI_SKIP_UPDATE_CHECK: "true" };
    await new Promise((r) => spawn("pulumi", ["stack", "init", "bench", "--non-interactive"], { cwd: dir, env, stdio: "ignore" }).on("close", r));
    const first = new Map<string, number>();
    const final = new Map<string, number>();
    let retries = 0;
    const others = new Map<string, number>();
    const t0 = performance.now();
    for (let i = 0; i < rounds; i++) {
      const results = await Promise.all([0, 1].map(async () => {
        let firstOutcome: Outcome | undefined;
        const last = await retryTruncatedReads(async () => {
          const r = await up(dir, env);
          firstOutcome ??= classify(r.code, r.output);
          if (classify(r.code, r.output) === "other") {
            const line = r.output.split("\n").find((l) => /error/i.test(l))?.trim() ?? r.output.trim().split("\n").pop() ?? "";
            others.set(line, (others.get(line) ?? 0) + 1);
          }
          if (classify(r.code, r.output) === "unexpected EOF") throw new Error(r.output);
          return r;
        }, () => retries++).catch((e: Error) => ({ code: 1, output: e.message }));
        return { first: firstOutcome!, final: classify(last.code, last.output) };
      }));
      const key = (o: Outcome[]): string => o.sort().join(" + ");
      first.set(key(results.map((r) => r.first)), (first.get(key(results.map((r) => r.first))) ?? 0) + 1);
      final.set(key(results.map((r) => r.final)), (final.get(key(results.map((r) => r.final))) ?? 0) + 1);
    }
    const elapsed = (performance.now() - t0) / 1000;
    console.log(`${rounds} rounds of two simultaneous pulumi up on one stack, rclone serve s3, ${elapsed.toFixed(1)} s (${(elapsed / rounds).toFixed(1)} s a round)`);
    console.log("first attempts:");
    for (const [k, n] of [...first].sort()) console.log(`  ${k}: ${n}`);
    console.log(`after retrying "unexpected EOF" (${retries} retries):`);
    for (const [k, n] of [...final].sort()) console.log(`  ${k}: ${n}`);
    for (const [line, n] of others) console.log(`"other" (${n}×): ${line}`);
  } finally {
    await s3.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
