import { error, Problem, warning } from "../problems";
import { FileView, listFilesBelow, readText } from "../read/files";
import { ComposeProject, ServiceDefinition } from "../validate/composeProject";
import { goDuration } from "../validate/durations";
import { envFileProblems, parseEnvFile } from "../validate/envFile";
import type { EnvironmentContext } from "./applyStack";
import { ContainerMount, ContainerPlan, EnvVar, HealthcheckPlan, Upload, VolumePlan } from "./plan";
import { isSecretEnvFile, resolveSecretEnvFile, resolveSecretFile, SecretSource } from "./secrets";

/**
 * The inputs of a container that the stack's environment decides: its environment (secrets from the
 * examples on test, real ones on prod), the files delivered into it, its health wait.
 */

/** env_files first, then `environment:` (compose's precedence), sorted for stable diffs. */
export function planEnvironment(svc: ServiceDefinition, project: ComposeProject, ctx: EnvironmentContext, secrets: SecretSource, problems: Problem[]): EnvVar[] {
  const doc = project.document;
  const env = new Map<string, EnvVar>();
  for (const ref of svc.envFiles) {
    const refAt = doc.locate(ref.path);
    if (isSecretEnvFile(ref.file)) {
      const r = resolveSecretEnvFile(secrets, ref.file, doc, refAt);
      problems.push(...r.problems);
      for (const e of r.entries) env.set(e.name, { name: e.name, value: e.value, secret: true });
      continue;
    }
    const text = readText(project.folder.files, ref.file);
    if (text === undefined) {
      if (ref.required) problems.push(error(doc.file, `env_file ${ref.file} does not exist; create it or mark it 'required: false'`, refAt));
      continue;
    }
    const parsed = parseEnvFile(text, ctx.environment);
    problems.push(...envFileProblems(ref.file, parsed.problems));
    for (const e of parsed.entries) env.set(e.name, { name: e.name, value: e.value, secret: false });
  }
  for (const e of svc.environment) {
    const value = e.value ?? ctx.environment(e.name);
    if (value !== undefined) env.set(e.name, { name: e.name, value, secret: false });
  }
  return [...env.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Mounts: named volumes and host paths as Docker mounts; files of the service folder delivered into the
 * container (uploads), so that the Docker host needs no checkout and a content change replaces the
 * container; compose secrets delivered the same way, from the stack's secret source.
 */
export function planFiles(svc: ServiceDefinition, project: ComposeProject, secrets: SecretSource, volumes: readonly VolumePlan[], problems: Problem[]): Pick<ContainerPlan, "mounts" | "tmpfs" | "uploads"> {
  const doc = project.document;
  const view = project.folder.files;
  const uploads: Upload[] = [];
  const mounts: ContainerMount[] = [];
  const tmpfs: Record<string, string> = {};
  for (const m of svc.mounts) {
    const at = doc.locate(m.path);
    if (m.type === "tmpfs") {
      tmpfs[m.target] = m.options ?? "";
    } else if (m.type === "volume" && m.source === undefined) {
      problems.push(warning(doc.file, `services.${svc.name}: anonymous volume at ${m.target} loses its data whenever the container is replaced; declare a named volume for data`, at));
      mounts.push({ target: m.target, readOnly: m.readOnly, anonymous: true });
    } else if (m.type === "volume") {
      const v = volumes.find((x) => x.key === m.source)!;
      mounts.push({ target: m.target, readOnly: m.readOnly, volume: { key: v.key, name: v.name } });
    } else if (!m.inFolder) {
      mounts.push({ target: m.target, readOnly: m.readOnly, hostPath: m.source });
    } else {
      const kind = view.kind(m.source);
      if (kind === undefined) {
        problems.push(error(doc.file, `services.${svc.name}: bind mount source ${m.source} does not exist; commit the file, or use a named volume for data`, at));
        continue;
      }
      for (const f of kind === "dir" ? listFilesBelow(view, m.source) : [m.source]) {
        uploads.push(fileUpload(view, f, kind === "dir" ? `${m.target.replace(/\/$/, "")}/${f.slice(m.source.length + 1)}` : m.target));
      }
    }
  }
  for (const s of svc.secrets) {
    const def = project.secrets.find((d) => d.key === s.source);
    if (!def) continue;
    const r = resolveSecretFile(secrets, def.key, def.source, doc, doc.locate(s.path));
    problems.push(...r.problems);
    if (r.content !== undefined) uploads.push({ target: s.target, content: r.content, secret: true, executable: false, origin: `secret ${def.key}` });
  }
  return { mounts, tmpfs, uploads: uploads.sort((a, b) => a.target.localeCompare(b.target)) };
}

function fileUpload(view: FileView, file: string, target: string): Upload {
  const bytes = view.readBytes(file) ?? Buffer.alloc(0);
  const executable = view.isExecutable?.(file) ?? false;
  if (bytes.includes(0)) return { target, contentBase64: bytes.toString("base64"), secret: false, executable, origin: file };
  return { target, content: bytes.toString("utf8"), secret: false, executable, origin: file };
}

/** The healthcheck as the provider takes it, how long `up` waits for it, and depends_on conditions that need one. */
export function planHealth(svc: ServiceDefinition, project: ComposeProject, problems: Problem[]): Pick<ContainerPlan, "healthcheck" | "waitSeconds"> {
  const doc = project.document;
  for (const d of svc.dependsOn) {
    const dep = project.services.find((s) => s.name === d.service);
    if (d.condition === "service_healthy" && dep && (dep.healthcheck === undefined || dep.healthcheck === "disabled")) {
      problems.push(error(doc.file, `services.${svc.name}.depends_on.${d.service}: condition service_healthy needs a healthcheck on ${d.service}`, doc.locate([...svc.path, "depends_on"])));
    }
  }
  const h = svc.healthcheck;
  if (h === undefined) return { healthcheck: undefined, waitSeconds: undefined };
  if (h === "disabled") return { healthcheck: { tests: ["NONE"], interval: "0s", timeout: "0s", startPeriod: "0s", retries: 0 } satisfies HealthcheckPlan, waitSeconds: undefined };
  const healthcheck: HealthcheckPlan = {
    tests: h.test,
    interval: goDuration(h.intervalMs ?? 0),
    timeout: goDuration(h.timeoutMs ?? 0),
    startPeriod: goDuration(h.startPeriodMs ?? 0),
    retries: h.retries ?? 0,
  };
  // How long `up` waits for `healthy`: what Docker itself allows before calling it unhealthy, plus a margin.
  const total = (h.startPeriodMs ?? 0) + ((h.intervalMs || 30_000) + (h.timeoutMs || 30_000)) * ((h.retries ?? 3) + 1);
  return { healthcheck, waitSeconds: Math.max(60, Math.ceil(total / 1000) + 30) };
}
