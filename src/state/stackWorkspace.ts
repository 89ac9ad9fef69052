/**
 * A stack opened on its own backend: every command that runs pulumi on a stack (status, rollback,
 * restore, state:*) goes through here, so that it never reads or writes another backend's copy.
 */
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { explainPulumiError } from "../cli/pulumiErrors";
import { formatProblem } from "../problems";
import { stackConfigFromFile } from "../read/stackFile";
import { readSettings, StackSettings } from "../settings";
import { retryTruncatedReads, stackBackend, StackBackend } from "./backend";

export const PROJECT = "dockerfiles";

export interface StackWorkspace {
  readonly stack: Stack;
  readonly settings: StackSettings;
  readonly backend: StackBackend;
}

/** A stack's settings and backend, as its stack file gives them. */
export interface StackSettingsAndBackend {
  readonly settings: StackSettings;
  readonly backend: StackBackend;
  readonly warnings: string[];
}

/** The stack's settings (from its stack file) and backend, or why they are unusable, in words. */
export function stackSettingsAndBackend(root: string, stackName: string): StackSettingsAndBackend | string {
  const { settings, problems } = readSettings(stackName, stackConfigFromFile(root, stackName));
  if (!settings) return problems.map((p) => formatProblem(p)).join("\n");
  const backend = stackBackend(root, settings, (n) => process.env[n]);
  const errors = backend.problems.filter((p) => p.severity === "error");
  if (errors.length > 0) return errors.map((p) => formatProblem(p)).join("\n");
  return { settings, backend, warnings: backend.problems.map((p) => formatProblem(p)) };
}

/** Opens (or with `create`, creates) the stack on the backend its stack file names (`resolved`: as already read from it). */
export async function openStackWorkspace(root: string, stackName: string, opts: { create?: boolean; resolved?: StackSettingsAndBackend } = {}): Promise<StackWorkspace | string> {
  const resolved = opts.resolved ?? stackSettingsAndBackend(root, stackName);
  if (typeof resolved === "string") return resolved;
  const { settings, backend } = resolved;
  try {
    const args = { stackName, workDir: root };
    const options = { envVars: { ...backend.env } };
    const stack = await retryTruncatedReads(() => (opts.create ? LocalWorkspace.createOrSelectStack(args, options) : LocalWorkspace.selectStack(args, options)));
    return { stack, settings, backend };
  } catch (e) {
    return explainPulumiError(e, stackName, backend.url);
  }
}
