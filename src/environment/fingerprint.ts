import { createHmac } from "node:crypto";
import { stableJson } from "./applyStack";
import { DeploymentPlan } from "./plan";
import { StackSettings } from "../settings";

/**
 * What a stack's successful `up` deployed, as keyed digests: one per service folder (its whole plan,
 * secrets included) and one for the rest (the program's version, the stack's settings, the commit).
 * Kept in the stack's outputs; the no-change check (`scripts/deploy.sh`, README "Performance")
 * computes the same from the checkout and skips the engine only when every one is equal.
 */
export interface Fingerprints {
  readonly stack: string;
  readonly folders: Readonly<Record<string, string>>;
}

export interface FingerprintInputs {
  readonly plan: DeploymentPlan;
  readonly settings: StackSettings;
  /** programVersion(): the program's sources, locked dependencies and tool versions. */
  readonly program: string;
  /** The commit deployed (the stack's outputs record it), when the project is a git repository. */
  readonly revision?: string;
}

export function deploymentFingerprints(inputs: FingerprintInputs, key: string): Fingerprints {
  const mac = (v: unknown): string => createHmac("sha256", key).update(stableJson(v)).digest("hex").slice(0, 32);
  const { services, problems: _problems, ...rest } = inputs.plan;
  return {
    stack: mac({ program: inputs.program, settings: inputs.settings, revision: inputs.revision ?? null, plan: rest, folders: services.map((s) => s.folder) }),
    folders: Object.fromEntries(services.map((s) => [s.folder, mac(s)])),
  };
}
