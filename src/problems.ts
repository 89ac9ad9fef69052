/**
 * A problem found in a service folder: where it is and one sentence saying what is wrong and what to do.
 * Every stage returns problems as values so that the user sees all of them at once.
 */
export type Severity = "error" | "warning";

export interface Problem {
  /** Path relative to the repository root, e.g. `services/pica-pad/docker-compose.yml`. */
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly severity: Severity;
  readonly message: string;
}

export interface Position {
  readonly line: number;
  readonly column: number;
}

export function error(file: string, message: string, at?: Position): Problem {
  return { file, line: at?.line, column: at?.column, severity: "error", message };
}

export function warning(file: string, message: string, at?: Position): Problem {
  return { file, line: at?.line, column: at?.column, severity: "warning", message };
}

/**
 * `path:line:col: severity: message`, the format compilers and editors understand. Pulumi's log
 * adds its own severity word, so the program leaves it out (`withSeverity: false`).
 */
export function formatProblem(p: Problem, withSeverity = true): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}:${p.column ?? 1}`;
  return withSeverity ? `${where}: ${p.severity}: ${p.message}` : `${where}: ${p.message}`;
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === "error");
}

export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0) ||
      a.message.localeCompare(b.message),
  );
}
