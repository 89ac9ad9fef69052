import { error, Problem } from "../problems";
import type { ComposeDocument } from "./composeDocument";
import type { ServiceDefinition } from "./composeProject";

/**
 * depends_on cycles, as `docker compose` refuses them ("dependency cycle detected"): each is reported
 * once, at the depends_on entry that closes it, with the whole cycle named.
 */
export function dependencyCycleProblems(services: readonly ServiceDefinition[], document: ComposeDocument): Problem[] {
  const byName = new Map(services.map((s) => [s.name, s]));
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const problems: Problem[] = [];
  const visit = (s: ServiceDefinition): void => {
    state.set(s.name, "visiting");
    stack.push(s.name);
    for (const d of s.dependsOn) {
      const dep = byName.get(d.service);
      if (!dep) continue;
      if (state.get(dep.name) === "visiting") {
        const cycle = [...stack.slice(stack.indexOf(dep.name)), dep.name].join(" → ");
        const at = listForm(document, s) ? document.locate([...s.path, "depends_on", s.dependsOn.indexOf(d)]) : document.locateKey([...s.path, "depends_on"], d.service);
        problems.push(error(document.file, `services.${s.name}.depends_on: dependency cycle ${cycle}; a service cannot wait for itself, remove one of these dependencies`, at));
      } else if (state.get(dep.name) === undefined) visit(dep);
    }
    stack.pop();
    state.set(s.name, "done");
  };
  for (const s of services) if (!state.has(s.name)) visit(s);
  return problems;
}

/** `depends_on: [db]` rather than `depends_on: {db: {condition: …}}`. */
function listForm(document: ComposeDocument, s: ServiceDefinition): boolean {
  let node: unknown = document.data;
  for (const key of [...s.path, "depends_on"]) node = (node as Record<string | number, unknown> | undefined)?.[key];
  return Array.isArray(node);
}
