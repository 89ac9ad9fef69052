/**
 * A second "machine" for the end-to-end tests: Debian's sshd on 127.0.0.1 at a free port, with a host
 * key and a client key generated for the run, in front of the same local Docker engine. The Docker
 * CLI and the docker provider reach it as `ssh://<alias>` through an `ssh` on PATH that reads this
 * run's client configuration (alias → port, key, known host), as an admin's ~/.ssh/config would.
 */
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { freePort } from "./harness";

const SSHD = "/usr/sbin/sshd";
const SSH = "/usr/bin/ssh";

export interface SshMachine {
  /** `ssh://<user>@<alias>`: the Docker host to put in `hosts`. */
  readonly host: string;
  /** PATH with this run's `ssh` first: give it to every process that talks to the machine. */
  readonly env: Record<string, string>;
  /** How many sessions sshd accepted so far (each Docker connection is one). */
  acceptedSessions(): number;
  stop(): Promise<void>;
}

/** Why the machine cannot be started here, or undefined. */
export function sshMissing(): string | undefined {
  for (const binary of [SSHD, SSH, "/usr/bin/ssh-keygen"]) if (!fs.existsSync(binary)) return `${binary} is not installed (run scripts/toolchain.sh test-tools)`;
  return undefined;
}

function keygen(file: string): void {
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", file], { stdio: "ignore" });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export async function startSshMachine(): Promise<SshMachine> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockerfiles-sshd-"));
  fs.chmodSync(dir, 0o700);
  const port = await freePort();
  const user = os.userInfo().username;
  const alias = `machine2-${randomBytes(3).toString("hex")}`;
  keygen(path.join(dir, "host_key"));
  keygen(path.join(dir, "client_key"));
  fs.copyFileSync(path.join(dir, "client_key.pub"), path.join(dir, "authorized_keys"));
  fs.writeFileSync(path.join(dir, "sshd_config"), [
    `Port ${port}`,
    "ListenAddress 127.0.0.1",
    `HostKey ${dir}/host_key`,
    `AuthorizedKeysFile ${dir}/authorized_keys`,
    `PidFile ${dir}/sshd.pid`,
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PermitRootLogin prohibit-password",
    "StrictModes no",
    "UsePAM no",
    "LogLevel VERBOSE",
    "",
  ].join("\n"));
  const hostKey = fs.readFileSync(path.join(dir, "host_key.pub"), "utf8").trim().split(" ").slice(0, 2).join(" ");
  fs.writeFileSync(path.join(dir, "known_hosts"), `[127.0.0.1]:${port} ${hostKey}\n`);
  fs.writeFileSync(path.join(dir, "ssh_config"), [
    `Host ${alias}`,
    "  HostName 127.0.0.1",
    `  Port ${port}`,
    `  IdentityFile ${dir}/client_key`,
    "  IdentitiesOnly yes",
    `  UserKnownHostsFile ${dir}/known_hosts`,
    "  StrictHostKeyChecking yes",
    "  BatchMode yes",
    "",
  ].join("\n"));
  fs.mkdirSync(path.join(dir, "bin"));
  fs.writeFileSync(path.join(dir, "bin", "ssh"), `#!/bin/sh\nexec ${SSH} -F ${dir}/ssh_config "$@"\n`, { mode: 0o755 });
  if (process.getuid?.() === 0) fs.mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });

  const logFile = path.join(dir, "sshd.log");
  const log = fs.openSync(logFile, "a");
  const child: ChildProcess = spawn(SSHD, ["-D", "-e", "-f", path.join(dir, "sshd_config")], { stdio: ["ignore", log, log] });
  for (let i = 0; !(await listening(port)); i++) {
    if (i > 100 || child.exitCode !== null) throw new Error(`sshd did not start: ${fs.readFileSync(logFile, "utf8").slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host: `ssh://${user}@${alias}`,
    env: { PATH: `${dir}/bin:${process.env.PATH ?? ""}` },
    acceptedSessions: () => (fs.readFileSync(logFile, "utf8").match(/Accepted publickey/g) ?? []).length,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once("exit", r)));
      fs.closeSync(log);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
