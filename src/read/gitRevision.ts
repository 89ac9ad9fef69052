import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { GitError, simpleGit, SimpleGit } from "simple-git";
import { FileView, joinPath, MemoryFiles } from "./files";

/**
 * Deploying any git revision without touching the user's working tree: files are read from git at
 * that revision; build contexts come from a checkout kept at one stable path, so that an image whose
 * files did not change is not rebuilt just because its context moved.
 */
export class RevisionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RevisionError";
  }
}

export interface Revision {
  /** What the user asked for: a commit, tag or branch. */
  readonly ref: string;
  readonly sha: string;
}

/** The stable checkout of the deployed revision, for build contexts (git-ignored). */
export const CHECKOUT_DIR = ".deploy/checkout";

// Only local operations (no fetch or clone): git never prompts for credentials here.
function git(repo: string): SimpleGit {
  return simpleGit({ baseDir: repo });
}

export async function isGitRepository(repo: string): Promise<boolean> {
  try {
    return (await git(repo).revparse(["--is-inside-work-tree"])).trim() === "true";
  } catch {
    return false;
  }
}

/** Resolves a commit, tag or branch to a commit id, with an error that says what to do. */
export async function resolveRevision(repo: string, ref: string): Promise<Revision> {
  const g = git(repo);
  try {
    const sha = (await g.revparse(["--verify", "--quiet", `${ref}^{commit}`])).trim();
    if (sha) return { ref, sha };
  } catch (e) {
    if (!(e instanceof GitError)) throw e;
  }
  const shallow = (await g.revparse(["--is-shallow-repository"]).catch(() => "false")).trim() === "true";
  if (shallow) {
    throw new RevisionError(`revision '${ref}' is not in this clone, which is shallow: run 'git fetch --unshallow' (or fetch that revision) and try again`);
  }
  throw new RevisionError(`unknown revision '${ref}': give a commit, tag or branch of this repository ('git log --oneline' lists commits; 'git fetch' brings new ones)`);
}

/** Paths under `dir` with uncommitted changes (git-ignored files such as real secrets excepted). */
export async function uncommittedChanges(repo: string, dir: string): Promise<string[]> {
  const status = await git(repo).status(["--", dir]);
  return status.files.map((f) => f.path).sort();
}

/** The last commit at or before `sha` that changed something under `dir`. */
export async function lastChange(repo: string, sha: string, dir: string): Promise<string | undefined> {
  const out = (await git(repo).raw(["log", "-1", "--format=%H", sha, "--", dir])).trim();
  return out === "" ? undefined : out;
}

/**
 * The files under `dir` at `sha`, read into memory. simple-git lists the tree; the blobs come from
 * one `git cat-file --batch` process, which simple-git cannot feed (it gives commands no stdin).
 */
export async function readRevision(repo: string, sha: string, dir: string): Promise<FileView> {
  const listing = await git(repo).raw(["ls-tree", "-r", "-z", "--full-tree", sha, "--", dir]);
  const entries = listing
    .split("\0")
    .filter((l) => l !== "")
    .map((l) => {
      const [meta, file] = l.split("\t");
      const [mode, type, object] = meta.split(" ");
      return { mode, type, object, file };
    })
    .filter((e) => e.type === "blob");
  const files: Record<string, Buffer> = {};
  const executable = new Set<string>();
  if (entries.length > 0) {
    const out = execFileSync("git", ["cat-file", "--batch"], { cwd: repo, input: entries.map((e) => e.object).join("\n") + "\n", maxBuffer: 1 << 30 });
    let at = 0;
    for (const e of entries) {
      const headerEnd = out.indexOf(10, at);
      const size = Number(out.subarray(at, headerEnd).toString().split(" ")[2]);
      files[e.file] = out.subarray(headerEnd + 1, headerEnd + 1 + size);
      at = headerEnd + 1 + size + 1;
      if (e.mode === "100755") executable.add(e.file);
    }
  }
  return new MemoryFiles(files, `commit ${sha.slice(0, 12)}`, executable);
}

/**
 * The committed files of a revision, plus the git-ignored real secrets of the working tree (they
 * are never committed, so an old revision deploys with today's secrets on the deploying machine).
 */
export class RevisionWithLocalSecrets implements FileView {
  readonly description: string;
  constructor(private readonly revision: FileView, private readonly workingTree: FileView) {
    this.description = revision.description;
  }
  private static isRealSecret(file: string): boolean {
    return /(^|\/)secrets\/[^/]+\.(secrets|secret)$/.test(file);
  }
  kind(file: string): "file" | "dir" | undefined {
    return this.revision.kind(file) ?? (RevisionWithLocalSecrets.isRealSecret(file) ? this.workingTree.kind(file) : undefined);
  }
  readBytes(file: string): Buffer | undefined {
    return this.revision.readBytes(file) ?? (RevisionWithLocalSecrets.isRealSecret(file) ? this.workingTree.readBytes(file) : undefined);
  }
  list(dir: string): string[] {
    const local = this.workingTree.list(dir).filter((name) => RevisionWithLocalSecrets.isRealSecret(joinPath(dir, name)));
    return [...new Set([...this.revision.list(dir), ...local])].sort();
  }
  isExecutable(file: string): boolean {
    return this.revision.isExecutable?.(file) ?? false;
  }
}

/**
 * Puts `sha` in the stable checkout (a detached git worktree under the repository), creating it
 * the first time. Build contexts point there, so their path never changes between revisions.
 */
export async function checkoutForBuilds(repo: string, sha: string): Promise<string> {
  const dir = path.join(repo, CHECKOUT_DIR);
  const g = git(repo);
  if (!fs.existsSync(path.join(dir, ".git"))) {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    await g.raw(["worktree", "prune"]);
    await g.raw(["worktree", "add", "--detach", "--force", dir, sha]);
  } else {
    await git(dir).raw(["checkout", "--detach", "--force", sha]);
    await git(dir).raw(["clean", "-fdx", "--quiet"]);
  }
  return CHECKOUT_DIR;
}
