/**
 * A Docker engine of the test's own, for faults that must not touch the shared one: a second dockerd in
 * a network namespace of its own (a dockerd deletes or rebuilds the default bridge it finds, docker0
 * included, when it starts after a crash), with its own data and exec roots and socket; and its own
 * containerd, run beside it as a service of its own (as Debian's containerd.service is), not as
 * dockerd's child, whose log pipe would fill up and hang it once dockerd is gone. The test can SIGKILL
 * dockerd mid-deploy and start it again on the same data, as a machine's dockerd crashing and
 * restarting would. Its published ports live in its namespace, not on the host. Needs root.
 */
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface PrivateEngine {
  /** `unix:///…/docker.sock`: the Docker host to deploy to. */
  readonly host: string;
  docker(...args: string[]): string;
  /** SIGKILL of dockerd, as a crash: its containerd and containers are left to themselves. */
  kill(): Promise<void>;
  /** Starts dockerd again on the same data; resolves when it answers. */
  restart(): Promise<void>;
  /** A clean restart (SIGTERM, then start), as `systemctl restart docker` does. */
  restartCleanly(): Promise<void>;
  stop(): Promise<void>;
}

/** Why a private engine cannot be started here, or undefined. */
export function privateEngineMissing(): string | undefined {
  if (process.getuid?.() !== 0) return "a private dockerd needs root";
  try {
    execFileSync("dockerd", ["--version"], { stdio: "ignore" });
    execFileSync("ip", ["-V"], { stdio: "ignore" });
    execFileSync("nsenter", ["--version"], { stdio: "ignore" });
  } catch {
    return "dockerd, ip or nsenter is not installed (run scripts/toolchain.sh)";
  }
  return undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function startPrivateEngine(images: readonly string[]): Promise<PrivateEngine> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockerfiles-engine-"));
  const id = randomBytes(2).toString("hex");
  const netns = `dfe2e${id}`;
  const host = `unix://${dir}/docker.sock`;
  execFileSync("ip", ["netns", "add", netns]);
  execFileSync("ip", ["netns", "exec", netns, "ip", "link", "set", "lo", "up"]);
  // nsenter, not `ip netns exec`: that one mounts a /sys of its own, without the cgroups dockerd needs.
  const inNamespace = [`--net=/run/netns/${netns}`, "--"];
  const args = [...inNamespace, "dockerd", "--data-root", `${dir}/data`, "--exec-root", `${dir}/exec`, "--pidfile", `${dir}/dockerd.pid`, "-H", host];
  const containerdSocket = `${dir}/containerd/containerd.sock`;
  fs.mkdirSync(`${dir}/containerd`);
  fs.writeFileSync(`${dir}/containerd/config.toml`, [
    "version = 2",
    `root = "${dir}/containerd/root"`,
    `state = "${dir}/containerd/state"`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    "[grpc]",
    `  address = "${containerdSocket}"`,
    "",
  ].join("\n"));
  const containerdLog = fs.openSync(path.join(dir, "containerd.log"), "a");
  const containerd = spawn("nsenter", [...inNamespace, "containerd", "--config", `${dir}/containerd/config.toml`], { stdio: ["ignore", containerdLog, containerdLog], detached: true });
  fs.closeSync(containerdLog);
  args.push("--containerd", containerdSocket);
  const env = { ...process.env, DOCKER_HOST: host };
  const docker = (...a: string[]): string => execFileSync("docker", a, { encoding: "utf8", env, stdio: ["ignore", "pipe", "pipe"] }).trim();
  let daemon: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const log = fs.openSync(path.join(dir, "dockerd.log"), "a");
    daemon = spawn("nsenter", args, { stdio: ["ignore", log, log], detached: true });
    fs.closeSync(log);
    for (let i = 0; ; i++) {
      try {
        docker("version", "--format", "{{.Server.Version}}");
        return;
      } catch {
        if (i > 150 || daemon.exitCode !== null) throw new Error(`the private dockerd did not start: ${fs.readFileSync(path.join(dir, "dockerd.log"), "utf8").slice(-2000)}`);
        await sleep(200);
      }
    }
  };
  const exited = (): Promise<void> => new Promise((r) => (!daemon || daemon.exitCode !== null || daemon.signalCode !== null ? r() : daemon.once("exit", () => r())));
  await start();
  for (const image of images) execFileSync("bash", ["-c", `docker save "$IMAGE" | DOCKER_HOST="$PRIVATE" docker load -q`], { env: { ...process.env, IMAGE: image, PRIVATE: host }, stdio: "ignore" });
  return {
    host,
    docker,
    async kill() {
      daemon?.kill("SIGKILL");
      await exited();
    },
    restart: start,
    async restartCleanly() {
      daemon?.kill("SIGTERM");
      await exited();
      await start();
    },
    async stop() {
      try {
        const all = docker("ps", "-aq").split("\n").filter(Boolean);
        if (all.length > 0) docker("rm", "-f", ...all);
      } catch {
        // the engine is down: SIGTERM below still ends it
      }
      daemon?.kill("SIGTERM");
      await exited();
      containerd.kill("SIGTERM");
      await new Promise((r) => (containerd.exitCode !== null || containerd.signalCode !== null ? r(undefined) : containerd.once("exit", r)));
      // The shims of containers the crashed dockerd lost track of.
      execFileSync("bash", ["-c", `pkill -KILL -f -- "[c]ontainerd-shim.* -address ${dir}/" || true`]);
      execFileSync("bash", ["-c", `umount -R "${dir}/data" 2>/dev/null || true; umount -R "${dir}/exec" 2>/dev/null || true`]);
      execFileSync("ip", ["netns", "del", netns]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
