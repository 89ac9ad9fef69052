import { DeploymentPlan } from "../environment/plan";
import { planDeployment } from "../pipeline";
import { openServiceSource } from "../read/serviceSource";
import { StackSettings } from "../settings";
import { retryTruncatedReads } from "../state/backend";
import { openStackWorkspace, StackWorkspace } from "../state/stackWorkspace";
import { explainPulumiError } from "./pulumiErrors";

/** What the stack's outputs say of one deployed service folder. */
export interface DeployedService {
  readonly revision?: string;
  readonly lastChange?: string;
  readonly containers?: Record<string, string>;
}

/** A stack as deployed: its settings (from its stack file), its outputs, and the plan of a revision. */
export interface DeployedStack {
  readonly settings: StackSettings;
  /** The stack, opened on its own backend. */
  readonly workspace: StackWorkspace;
  readonly services: Readonly<Record<string, DeployedService>>;
  /** The plan of the services at a git revision (read and planned once per revision). */
  planAt(revision: string): Promise<DeploymentPlan>;
}

/**
 * Opens a stack's record of what it deployed, for the commands that look at live machines (status,
 * restore). Returns why it cannot, in words for the user, instead.
 */
export async function openDeployed(root: string, stackName: string): Promise<DeployedStack | string> {
  const workspace = await openStackWorkspace(root, stackName);
  if (typeof workspace === "string") return workspace;
  let services: Record<string, DeployedService>;
  try {
    services = ((await retryTruncatedReads(() => workspace.stack.outputs())).services?.value ?? {}) as typeof services;
  } catch (e) {
    return explainPulumiError(e, stackName, workspace.backend.url);
  }
  const { settings } = workspace;
  const plans = new Map<string, Promise<DeploymentPlan>>();
  return {
    settings,
    workspace,
    services,
    planAt(revision) {
      if (!plans.has(revision)) {
        const at = { ...settings, servicesRef: revision };
        plans.set(revision, openServiceSource(root, at, { checkout: false }).then((source) => planDeployment({ settings: at, view: source.view, environment: (n) => process.env[n] })));
      }
      return plans.get(revision)!;
    },
  };
}
