import * as fs from "node:fs";
import * as path from "node:path";

/**
 * A read-only view of the repository's files, addressed by POSIX paths relative to the repository
 * root. The working tree is one view; a git revision is another (so that any commit can be deployed
 * without touching the working tree). Every later stage reads files only through this interface.
 */
export interface FileView {
  /** A short description for messages, e.g. `working tree` or `commit 1a2b3c4`. */
  readonly description: string;
  kind(file: string): "file" | "dir" | undefined;
  readBytes(file: string): Buffer | undefined;
  /** Names of the entries of a directory, sorted. */
  list(dir: string): string[];
  /** Whether the file has its executable bit (scripts delivered into containers keep it). */
  isExecutable?(file: string): boolean;
}

export function readText(view: FileView, file: string): string | undefined {
  const bytes = view.readBytes(file);
  return bytes === undefined ? undefined : bytes.toString("utf8");
}

/** Every file below `dir`, recursively, sorted, as repository-relative paths. */
export function listFilesBelow(view: FileView, dir: string): string[] {
  const out: string[] = [];
  for (const name of view.list(dir)) {
    const child = joinPath(dir, name);
    const kind = view.kind(child);
    if (kind === "dir") out.push(...listFilesBelow(view, child));
    else if (kind === "file") out.push(child);
  }
  return out;
}

/** Joins and normalises repository-relative POSIX paths; `..` cannot climb above the root. */
export function joinPath(...parts: string[]): string {
  const joined = path.posix.normalize(parts.filter((p) => p !== "").join("/"));
  return joined === "." ? "" : joined.replace(/\/$/, "");
}

/** True when `file` lies inside `dir` (both repository-relative). */
export function isInside(file: string, dir: string): boolean {
  return file === dir || file.startsWith(dir + "/");
}

export class WorkingTree implements FileView {
  readonly description = "working tree";
  constructor(readonly root: string) {}

  private abs(file: string): string {
    return path.join(this.root, ...file.split("/"));
  }

  kind(file: string): "file" | "dir" | undefined {
    try {
      const st = fs.statSync(this.abs(file));
      return st.isDirectory() ? "dir" : st.isFile() ? "file" : undefined;
    } catch {
      return undefined;
    }
  }

  readBytes(file: string): Buffer | undefined {
    try {
      return fs.readFileSync(this.abs(file));
    } catch {
      return undefined;
    }
  }

  isExecutable(file: string): boolean {
    try {
      return (fs.statSync(this.abs(file)).mode & 0o111) !== 0;
    } catch {
      return false;
    }
  }

  list(dir: string): string[] {
    try {
      return fs.readdirSync(this.abs(dir)).sort();
    } catch {
      return [];
    }
  }
}

/**
 * Every file below `dir`, read now into memory (contents and executable bits): what the later stages
 * of one service folder read, so that they read nothing else and nothing while they run.
 */
export function snapshotOf(view: FileView, dir: string): FileView {
  const files: Record<string, Buffer> = {};
  const executable = new Set<string>();
  for (const f of listFilesBelow(view, dir)) {
    files[f] = view.readBytes(f) ?? Buffer.alloc(0);
    if (view.isExecutable?.(f)) executable.add(f);
  }
  return new MemoryFiles(files, `${view.description}, ${dir}`, executable);
}

/** A view over an in-memory map of files: used by tests and benchmarks. */
export class MemoryFiles implements FileView {
  private readonly files = new Map<string, Buffer>();

  /** `executable`: the paths that have their executable bit. */
  constructor(files: Record<string, string | Buffer>, readonly description: string = "memory", private readonly executable: ReadonlySet<string> = new Set()) {
    for (const [name, content] of Object.entries(files)) {
      this.files.set(joinPath(name), typeof content === "string" ? Buffer.from(content) : content);
    }
  }

  isExecutable(file: string): boolean {
    return this.executable.has(joinPath(file));
  }

  kind(file: string): "file" | "dir" | undefined {
    const f = joinPath(file);
    if (this.files.has(f)) return "file";
    const prefix = f === "" ? "" : f + "/";
    for (const k of this.files.keys()) if (k.startsWith(prefix)) return "dir";
    return undefined;
  }

  readBytes(file: string): Buffer | undefined {
    return this.files.get(joinPath(file));
  }

  list(dir: string): string[] {
    const d = joinPath(dir);
    const prefix = d === "" ? "" : d + "/";
    const names = new Set<string>();
    for (const k of this.files.keys()) {
      if (k.startsWith(prefix)) names.add(k.slice(prefix.length).split("/")[0]);
    }
    return [...names].sort();
  }
}
