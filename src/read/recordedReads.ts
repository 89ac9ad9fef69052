import * as fs from "node:fs";
import * as path from "node:path";
import { FileView, WorkingTree } from "./files";

/**
 * Everything a computation read from the working tree and the environment, recorded so that a later
 * run can tell, from a few hundred `stat` calls, that it would read the same: the no-change check
 * then reuses what it computed instead of parsing every compose file again. A file counts as the
 * same when its size, modification and change times (nanoseconds) and inode are (what git's index
 * trusts); one written in the two seconds before the recording is not trusted (its next write could
 * keep the same times).
 */
export interface RecordedReads {
  /** File → its stat signature, or null when it did not exist. */
  readonly files: Record<string, string | null>;
  /** Path → what it was: file, dir, or null. */
  readonly kinds: Record<string, "file" | "dir" | null>;
  /** Directory → its entries. */
  readonly lists: Record<string, string[]>;
  readonly executables: Record<string, boolean>;
  /** Environment variable → its value's keyed digest, or null when unset. */
  readonly environment: Record<string, string | null>;
}

const TRUST_AFTER_NS = 2_000_000_000n;

function signature(file: string): { sig: string | null; mtimeNs: bigint } {
  try {
    const st = fs.statSync(file, { bigint: true });
    return { sig: `${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.ino}:${st.mode}`, mtimeNs: st.ctimeNs > st.mtimeNs ? st.ctimeNs : st.mtimeNs };
  } catch {
    return { sig: null, mtimeNs: 0n };
  }
}

/** A working tree that records what is read through it, and the environment variables looked up. */
export class RecordingView implements FileView {
  readonly description: string;
  private readonly tree: WorkingTree;
  private readonly reads: RecordedReads = { files: {}, kinds: {}, lists: {}, executables: {}, environment: {} };
  private newest = 0n;

  constructor(readonly root: string, private readonly digest: (value: string) => string) {
    this.tree = new WorkingTree(root);
    this.description = this.tree.description;
  }

  private abs(file: string): string {
    return path.join(this.root, ...file.split("/"));
  }

  kind(file: string): "file" | "dir" | undefined {
    const k = this.tree.kind(file);
    this.reads.kinds[file] = k ?? null;
    return k;
  }

  readBytes(file: string): Buffer | undefined {
    this.readBytesSignature(file);
    // Read after the stat: a write in between makes the signature stale, never the content.
    return this.tree.readBytes(file);
  }

  list(dir: string): string[] {
    const names = this.tree.list(dir);
    this.reads.lists[dir] = names;
    return names;
  }

  isExecutable(file: string): boolean {
    const x = this.tree.isExecutable(file);
    this.reads.executables[file] = x;
    return x;
  }

  /** Records a file's signature without reading it (a file read by other means, e.g. the stack file). */
  note(file: string): void {
    this.readBytesSignature(file);
  }

  private readBytesSignature(file: string): void {
    const { sig, mtimeNs } = signature(this.abs(file));
    if (mtimeNs > this.newest) this.newest = mtimeNs;
    this.reads.files[file] = sig;
  }

  /** Looks a variable up in `env`, recording its digest. */
  lookup(env: NodeJS.ProcessEnv): (name: string) => string | undefined {
    return (name) => {
      const v = env[name];
      this.reads.environment[name] = v === undefined ? null : this.digest(v);
      return v;
    };
  }

  /** What was read; undefined when a file read was too recent to be trusted later. */
  recorded(now: bigint = BigInt(Date.now()) * 1_000_000n): RecordedReads | undefined {
    return this.newest > now - TRUST_AFTER_NS ? undefined : this.reads;
  }
}

/** Whether reading again would read the same: the first difference, in words, or undefined. */
export function changedSince(root: string, reads: RecordedReads, env: NodeJS.ProcessEnv, digest: (value: string) => string): string | undefined {
  const tree = new WorkingTree(root);
  for (const [name, d] of Object.entries(reads.environment)) {
    const v = env[name];
    if ((v === undefined ? null : digest(v)) !== d) return `environment variable ${name}`;
  }
  for (const [dir, names] of Object.entries(reads.lists)) {
    const now = tree.list(dir);
    if (now.length !== names.length || now.some((n, i) => n !== names[i])) return `the entries of ${dir || "."}`;
  }
  for (const [file, kind] of Object.entries(reads.kinds)) if ((tree.kind(file) ?? null) !== kind) return file;
  for (const [file, sig] of Object.entries(reads.files)) if (signature(path.join(root, ...file.split("/"))).sig !== sig) return file;
  for (const [file, x] of Object.entries(reads.executables)) if (tree.isExecutable(file) !== x) return file;
  return undefined;
}
