import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { ENCRYPTED, readSettings, StackSettings } from "../settings";

const PROJECT = "dockerfiles";

/** Reads `Pulumi.<stack>.yaml` without the engine; encrypted values are known to exist, not their value. */
export function stackConfigFromFile(root: string, stack: string): (key: string) => string | undefined {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  const parsed = fs.existsSync(file) ? (YAML.parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null) : null;
  // Values the project file gives as defaults (`Pulumi.yaml`: config.<key>.default), as Pulumi does.
  const projectFile = path.join(root, "Pulumi.yaml");
  const project = fs.existsSync(projectFile) ? (YAML.parse(fs.readFileSync(projectFile, "utf8")) as { config?: Record<string, { default?: unknown } | undefined> } | null) : null;
  const defaults = Object.fromEntries(Object.entries(project?.config ?? {}).filter(([, v]) => v?.default !== undefined).map(([k, v]) => [`${PROJECT}:${k}`, v?.default]));
  const config: Record<string, unknown> = { ...defaults, ...(parsed?.config ?? {}) };
  const hideSecure = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(hideSecure);
    if (v && typeof v === "object") {
      if ("secure" in v) return ENCRYPTED;
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, hideSecure(x)]));
    }
    return v;
  };
  return (key) => {
    const v = config[`${PROJECT}:${key}`];
    if (v === undefined) return undefined;
    const shown = hideSecure(v);
    return typeof shown === "string" ? shown : JSON.stringify(shown);
  };
}

/** The settings of every stack file `Pulumi.<stack>.yaml` of kind prod in `root`. */
export function prodStacksIn(root: string): StackSettings[] {
  const stacks = fs.readdirSync(root).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => s !== undefined);
  return stacks.map((stack) => readSettings(stack, stackConfigFromFile(root, stack)).settings).filter((s): s is StackSettings => s?.kind === "prod");
}
