import { isIP } from "node:net";
import { error, Problem } from "../problems";
import type { ComposeDocument, ComposePath } from "./composeDocument";
import { parseDuration } from "./durations";

/**
 * Values the compose-spec schema lets through but Docker or compose refuse at `up`: each rule is a
 * key path (`*` for any key or index) and a check saying in one sentence what is wrong. `check`
 * reports them at their line, before anything is deployed. Ports, mount paths and depends_on have
 * their checks where they are parsed (composeProject.ts, dependsOn.ts).
 */
interface Constraint {
  readonly path: string;
  /** Why the value is refused, or undefined when Docker accepts it; `key` is its list index or mapping key. */
  readonly check: (value: unknown, key: string | number | undefined) => string | undefined;
}

// Docker's patterns for container and volume names.
const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
// The image reference grammar of the distribution project: lowercase repository, optional registry, tag, digest.
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const IMAGE_REFERENCE = new RegExp(
  `^(?:(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*` +
    "(?::[\\w][\\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$",
);
const SIGNAL = /^(SIG)?[A-Z0-9]+(\+[0-9]+)?$|^[0-9]+$/;
const MIN_MEMORY_BYTES = 6 * 1024 * 1024;
const SIZE = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)b?\s*$/i;

const text = (v: unknown): string => (typeof v === "string" ? v : typeof v === "number" ? String(v) : "");

const CONSTRAINTS: readonly Constraint[] = [
  { path: "services.*.container_name", check: (v) => (DOCKER_NAME.test(text(v)) ? undefined : `'${text(v)}' is not a valid container name: a letter or digit, then letters, digits, '_', '.' or '-'`) },
  { path: "volumes.*.name", check: (v) => (DOCKER_NAME.test(text(v)) ? undefined : `'${text(v)}' is not a valid volume name: a letter or digit, then letters, digits, '_', '.' or '-'`) },
  { path: "services.*.image", check: imageReference },
  { path: "services.*.working_dir", check: (v) => (text(v).startsWith("/") ? undefined : `'${text(v)}' must be an absolute path (Docker refuses a relative working directory)`) },
  { path: "services.*.tmpfs", check: (v) => (typeof v === "string" ? absoluteMount(v) : undefined) },
  { path: "services.*.tmpfs.*", check: (v) => absoluteMount(text(v)) },
  { path: "services.*.healthcheck.retries", check: (v) => (Number(v) >= 0 ? undefined : `${text(v)} cannot be negative`) },
  ...["interval", "timeout", "start_period", "start_interval"].map((k) => ({ path: `services.*.healthcheck.${k}`, check: atLeastOneMillisecond })),
  { path: "services.*.mem_limit", check: memoryLimit },
  { path: "services.*.ulimits.*", check: ulimit },
  // A list of `host:ip` (or `host=ip`), or a mapping of host to ip.
  { path: "services.*.extra_hosts.*", check: (v, key) => hostAddress(typeof key === "number" ? (text(v).split(/[=:](.*)/s)[1] ?? "") : text(v)) },
  { path: "services.*.dns.*", check: (v) => (isIP(text(v)) ? undefined : `'${text(v)}' is not an IP address`) },
  { path: "services.*.dns", check: (v) => (typeof v === "string" && !isIP(v) ? `'${v}' is not an IP address` : undefined) },
  { path: "services.*.networks.*.ipv4_address", check: (v) => (isIP(text(v)) === 4 ? undefined : `'${text(v)}' is not an IPv4 address`) },
  { path: "services.*.stop_signal", check: (v) => (SIGNAL.test(text(v)) ? undefined : `'${text(v)}' is not a signal such as SIGTERM, SIGQUIT or 15`) },
];

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function imageReference(v: unknown): string | undefined {
  const ref = text(v);
  if (IMAGE_REFERENCE.test(ref)) return undefined;
  if (IMAGE_REFERENCE.test(ref.toLowerCase())) return `'${ref}' is not a valid image reference: the repository name must be lowercase`;
  return `'${ref}' is not a valid image reference such as registry.picasoft.net/pica-pad:1.2.0 or postgres:16.4`;
}

function absoluteMount(spec: string): string | undefined {
  const target = spec.split(":")[0];
  return target.startsWith("/") ? undefined : `'${target}' must be an absolute path inside the container`;
}

function atLeastOneMillisecond(v: unknown): string | undefined {
  const ms = parseDuration(text(v));
  return ms === undefined || ms === 0 || ms >= 1 ? undefined : `'${text(v)}' must be 0 or at least 1ms`;
}

function memoryLimit(v: unknown): string | undefined {
  const m = SIZE.exec(text(v));
  if (!m) return undefined; // its syntax is checked where it is read
  const bytes = Number(m[1]) * 1024 ** " kmgt".indexOf(m[2].toLowerCase() || " ");
  return bytes >= MIN_MEMORY_BYTES ? undefined : `'${text(v)}' is below Docker's minimum of 6 MiB`;
}

function ulimit(v: unknown): string | undefined {
  if (!isMapping(v)) return Number(v) >= -1 ? undefined : "must be -1 (unlimited) or more";
  const soft = Number(v.soft);
  const hard = Number(v.hard);
  if (soft < -1 || hard < -1) return "must be -1 (unlimited) or more";
  return hard !== -1 && (soft === -1 || soft > hard) ? `soft limit ${soft} is above the hard limit ${hard}` : undefined;
}

function hostAddress(ip: string): string | undefined {
  const bare = ip.replace(/^\[|\]$/g, "");
  return isIP(bare) || bare === "host-gateway" ? undefined : `'${ip}' is not an IP address (or host-gateway)`;
}

/** Every problem of every constraint, at the value's line. */
export function constraintProblems(document: ComposeDocument): Problem[] {
  const problems: Problem[] = [];
  for (const c of CONSTRAINTS) {
    for (const [path, value] of valuesAt(document.data, c.path.split("."))) {
      const why = value === undefined || value === null ? undefined : c.check(value, path[path.length - 1]);
      if (why) problems.push(error(document.file, `${pathText(path)}: ${why}`, document.locate(path)));
    }
  }
  return problems;
}

/** `services.web.dns[0]`, as the other messages write paths. */
function pathText(path: ComposePath): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/** The values at a dotted pattern, with their concrete paths. */
function valuesAt(data: unknown, pattern: readonly string[], at: ComposePath = []): [ComposePath, unknown][] {
  if (pattern.length === 0) return [[at, data]];
  const [head, ...rest] = pattern;
  if (head === "*") {
    if (Array.isArray(data)) return data.flatMap((v, i) => valuesAt(v, rest, [...at, i]));
    if (isMapping(data)) return Object.entries(data).flatMap(([k, v]) => valuesAt(v, rest, [...at, k]));
    return [];
  }
  return isMapping(data) && head in data ? valuesAt(data[head], rest, [...at, head]) : [];
}
