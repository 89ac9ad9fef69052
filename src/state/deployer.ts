/**
 * Who deploys: a DIY backend records no user with an update, only its message. Our commands
 * (scripts/deploy.sh, rollback, state:move/restore) write `<what> by <who>` there, and status reads it back.
 */
import { execFileSync } from "node:child_process";
import * as os from "node:os";

/** git's `user.name <user.email>` where set, else the login name; then the machine. */
export function deployer(root: string): string {
  const git = (key: string): string => {
    try {
      return execFileSync("git", ["config", key], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      return "";
    }
  };
  const name = git("user.name") || os.userInfo().username;
  const email = git("user.email");
  return `${name}${email ? ` <${email}>` : ""} on ${os.hostname()}`;
}

const BY = " by ";

/** The update message: what was done and by whom, e.g. `deploy by Alice <alice@example.org> on laptop-3`. */
export function updateMessage(action: string, who: string): string {
  return `${action}${BY}${who}`;
}

/** The deployer an update message names, or undefined (a plain `pulumi up` records the commit's message). */
export function deployerOf(message: string | undefined): string | undefined {
  const m = /^(deploy|rollback to [0-9a-f]+|state:move|state:restore)( by )(.+)$/.exec(message ?? "");
  return m ? m[3] : undefined;
}
