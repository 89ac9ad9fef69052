import * as fs from "node:fs";
import * as path from "node:path";

/** scripts/versions.env: the one place for tool versions and the test stack's fixed passphrase. */
const SETTINGS_FILE = path.resolve(__dirname, "../../scripts/versions.env");

/** A value of scripts/versions.env (shell assignments `NAME=value`). */
export function projectSetting(name: string): string {
  const m = new RegExp(`^${name}=(\\S+)`, "m").exec(fs.readFileSync(SETTINGS_FILE, "utf8"));
  if (!m) throw new Error(`${SETTINGS_FILE} has no ${name}`);
  return m[1];
}
