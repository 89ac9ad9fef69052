import { Fingerprints } from "../environment/fingerprint";

/**
 * One change among many folders: the engine runs on the changed folders only (README, "Performance").
 * - The no-change check (src/cli/upToDate.ts) names the folders whose fingerprint equals the deployed
 *   one, when nothing else changed; `scripts/deploy.sh` passes `pulumi up` an `--exclude` pair per such
 *   folder (its component and its children, by name) and their fingerprints in UNCHANGED_FOLDERS_ENV.
 * - The program reads its CLI's arguments; a folder whose pair is there and whose fingerprint is the
 *   one the check saw is not declared at all. Pulumi keeps an excluded resource the program does not
 *   declare as it is, in the state and in Docker; neither the program, the engine nor the providers
 *   spend time on it. A folder left out that changed since the check stops the run before any step.
 * - Any other targeted run (--target, --target-replace, another --exclude) deploys part of the
 *   checkout in a way the program cannot account for: it records no fingerprints, and the next
 *   deploy runs the engine on everything.
 * Pure: the CLI's arguments and the environment's value in, a scope out.
 */

/** What the check saw (unchangedFoldersValue): the stack's fingerprint and those of the folders deploy.sh leaves out; set by deploy.sh only. */
export const UNCHANGED_FOLDERS_ENV = "DEPLOY_UNCHANGED_FOLDERS";

/**
 * The names of the program's resources that belong to no folder (src/declare/stack.ts names them from
 * here). A folder named like one of them, or like their `<name>/` prefix, is never left out: its
 * exclusion would match them too.
 */
export const STACK_RESOURCE_NAMES = {
  recordKey: "record-key",
  externalNetworks: "external",
  hosts: "host",
  destroyGuard: "prod-destroy-guard",
} as const;

export interface EngineScope {
  /** Folders the engine leaves out and the program does not declare. */
  readonly leftOut: ReadonlySet<string>;
  /** Part of the checkout is deployed in a way the program cannot account for: record no fingerprints. */
  readonly partial: boolean;
  /** What changed since deploy.sh's check (`services/<folder>`, or the program, settings or commit): the run must stop. */
  readonly changedSinceCheck: readonly string[];
}

/** Whether a folder's resources, and only them, are matched by its pair of URN patterns (excludePatterns). */
export function excludable(folder: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(folder) && !Object.values(STACK_RESOURCE_NAMES).includes(folder as never);
}

/** The URN patterns of one folder's resources: its component (named after it) and its children (`<folder>/…`). */
function excludePatterns(project: string, stack: string, folder: string): string[] {
  const urn = `urn:pulumi:${stack}::${project}::**::${folder}`;
  return [urn, `${urn}/**`];
}

/** The `pulumi up` arguments that leave one folder out: `--exclude` with each of its patterns. */
export function excludeArgs(project: string, stack: string, folder: string): string[] {
  return excludePatterns(project, stack, folder).flatMap((u) => ["--exclude", u]);
}

/** The value deploy.sh puts in UNCHANGED_FOLDERS_ENV: the stack's fingerprint and the folders', as JSON. */
export function unchangedFoldersValue(fingerprints: Fingerprints, folders: readonly string[]): string {
  return JSON.stringify({ stack: fingerprints.stack, folders: Object.fromEntries(folders.map((f) => [f, fingerprints.folders[f]])) });
}

/** UNCHANGED_FOLDERS_ENV's value read back; none when absent or not of that shape. */
function checked(value: string | undefined): Fingerprints | undefined {
  try {
    const v = JSON.parse(value ?? "") as Fingerprints;
    return typeof v.stack === "string" && v.folders && typeof v.folders === "object" ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Which folders this run leaves out, from the CLI's arguments (undefined where they cannot be read) and UNCHANGED_FOLDERS_ENV. */
export function engineScope(args: readonly string[] | undefined, unchanged: string | undefined, at: { project: string; stack: string }, fingerprints: Fingerprints): EngineScope {
  const check = checked(unchanged);
  const confirmed = new Map(Object.entries(check?.folders ?? {}));
  const changedSinceCheck = [
    ...(check && check.stack !== fingerprints.stack ? ["the program, the stack's settings or the commit"] : []),
    ...[...confirmed].filter(([f, fp]) => fingerprints.folders[f] !== fp).map(([f]) => `services/${f}`).sort(),
  ];
  if (!args) return { leftOut: new Set(), partial: false, changedSinceCheck };
  const flags = targetingFlags(args);
  const excludes = new Set(flags.excludes);
  const patterns = new Map(Object.keys(fingerprints.folders).filter(excludable).map((f) => [f, excludePatterns(at.project, at.stack, f)]));
  const paired = [...patterns].filter(([, urns]) => urns.every((u) => excludes.has(u))).map(([f]) => f);
  const leftOut = new Set(changedSinceCheck.length > 0 ? [] : paired.filter((f) => confirmed.get(f) === fingerprints.folders[f]));
  const accounted = new Set(paired.flatMap((f) => patterns.get(f)!));
  const partial = flags.targets > 0 || flags.otherwise || flags.excludes.some((u) => !accounted.has(u)) || paired.some((f) => !leftOut.has(f));
  return { leftOut, partial, changedSinceCheck };
}

/** The values of --exclude, and whether anything else narrows the run (pflag's spellings: `--flag v`, `--flag=v`, `-t v`, `-tv`). */
function targetingFlags(args: readonly string[]): { excludes: string[]; targets: number; otherwise: boolean } {
  const excludes: string[] = [];
  let targets = 0;
  let otherwise = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") break;
    if (a === "--exclude") excludes.push(args[++i] ?? "");
    else if (a.startsWith("--exclude=")) excludes.push(a.slice("--exclude=".length));
    else if (a === "--exclude-dependents" || a.startsWith("--exclude-dependents=")) otherwise = true;
    else if (a.startsWith("--target")) targets++;
    // A cluster of short flags with -t in it (-t, -yt, -tURN): a target, or a value taken for one.
    else if (/^-[A-Za-z]*t/.test(a)) targets++;
  }
  return { excludes, targets, otherwise };
}
