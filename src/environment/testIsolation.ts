import { error, Problem, warning } from "../problems";
import { StackSettings } from "../settings";
import { BuiltImagePlan, ContainerPlan } from "./plan";
import { findProductionNames } from "./rewrite";
import { collectStrings } from "./testNames";

/** The Docker hosts a stack names explicitly, with the setting that names each. */
function namedHosts(s: StackSettings): { machine: string; setting: string; host: string }[] {
  const hosts = [
    ...(s.dockerHost ? [{ setting: "dockerHost", host: s.dockerHost }] : []),
    ...Object.entries(s.hosts).map(([folder, host]) => ({ setting: `hosts.${folder}`, host })),
  ];
  return hosts.map((h) => ({ ...h, machine: machineOf(h.host) }));
}

/** `ssh://deploy@pica01:22` and `ssh://root@pica01` are one machine; sockets are compared whole. */
function machineOf(host: string): string {
  try {
    const url = new URL(host);
    return url.protocol === "unix:" || url.protocol === "npipe:" ? host : url.hostname.toLowerCase();
  } catch {
    return host;
  }
}

/**
 * A test stack must never reach a machine the prod stack deploys to: an error naming both settings.
 * Only hosts named explicitly are compared (an unset dockerHost means "the deploying machine's engine").
 */
export function testHostProblems(test: StackSettings, prodStacks: readonly StackSettings[]): Problem[] {
  if (test.kind !== "test") return [];
  const prodHosts = prodStacks.flatMap((p) => namedHosts(p).map((h) => ({ ...h, stack: p.stack })));
  return namedHosts(test).flatMap((t) => {
    const clash = prodHosts.find((p) => p.machine === t.machine);
    return clash
      ? [error(`Pulumi.${test.stack}.yaml`, `config key '${t.setting}' (${t.host}) is a machine the prod stack deploys to (Pulumi.${clash.stack}.yaml: '${clash.setting}', ${clash.host}); the test stack must run on a test machine`)]
      : [];
  });
}

/** keepProductionNames entries that no input of the stack contains: a warning each (stale, or misspelt). */
export function unusedKeepProblems(settings: StackSettings, containers: readonly ContainerPlan[], images: readonly BuiltImagePlan[]): Problem[] {
  if (settings.keepProductionNames.length === 0) return [];
  const text = [...containers.flatMap((c) => collectStrings(c)), ...images.flatMap((i) => Object.values(i.args))].join("\n");
  // Found in any spelling the rewrite knows, as a name of its own (nothing kept, nothing to rewrite it to).
  return settings.keepProductionNames
    .filter((k) => findProductionNames(text, [{ from: k.name, to: "" }]).length === 0)
    .map((k) => warning(`Pulumi.${settings.stack}.yaml`, `keepProductionNames: '${k.name}' (${k.reason}) is in no input of the stack; remove it`));
}
