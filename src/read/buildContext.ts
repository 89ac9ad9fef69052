import { createHash } from "node:crypto";
import ignore from "@balena/dockerignore";
import { FileView, isInside, joinPath, listFilesBelow, readText } from "./files";

/**
 * What a home-built image is built from: the files of its build context that a build can use, and a
 * digest of them. The digest decides rebuilds and, through the container's inputs label, the
 * container's replacement, so it must change exactly when the build's inputs do: a README or
 * docker-compose.yml edit must not rebuild anything.
 */
export interface BuildContext {
  /** Files sent to the builder, relative to the context directory, sorted. */
  readonly files: readonly string[];
  /** The Dockerfile, relative to the context directory. */
  readonly dockerfile: string;
  /** Digest of the files' paths, executable bits and contents. */
  readonly digest: string;
  /** Per file (relative to the context): a digest of its executable bit and content, to say which one changed. */
  readonly fileDigests: Readonly<Record<string, string>>;
}

/**
 * Without a `.dockerignore`, the files of a service folder that only compose and people read stay out
 * of the context, unless the Dockerfile names them. With a `.dockerignore`, its rules decide (Docker's
 * own semantics). Real secrets never enter a build context either way.
 * (A `COPY . /app` of a folder without .dockerignore thus leaves its README out, where compose would
 * copy it: add a .dockerignore to decide otherwise.)
 */
const DOCUMENTATION_AND_COMPOSE = ["README.md", "CHANGELOG.md", "docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml", ".env", "secrets", ".git"];
const REAL_SECRETS = ["**/*.secrets", "**/*.secret"];

/**
 * Lists and digests the build context `context` (repository-relative) for the Dockerfile `dockerfile`
 * (repository-relative, inside the context), from the file view: the working tree or a git revision.
 */
export function readBuildContext(view: FileView, context: string, dockerfile: string): BuildContext {
  const rel = (f: string): string => (context === "" ? f : f.slice(context.length + 1));
  const dockerfileText = readText(view, dockerfile) ?? "";
  const rules = readText(view, joinPath(context, ".dockerignore"));
  const ig = ignore();
  if (rules !== undefined) ig.add(rules.split(/\r?\n/));
  else {
    const copied = copyInstructions(dockerfileText);
    ig.add(DOCUMENTATION_AND_COMPOSE.filter((name) => !copied.includes(name)));
  }
  // Last, so that no `!` rule of the folder's can bring them back.
  ig.add(REAL_SECRETS);
  const dockerfileRel = rel(dockerfile);
  // Docker always sends the Dockerfile and the .dockerignore, whatever the rules say.
  const files = listFilesBelow(view, context)
    .map(rel)
    .filter((f) => f === dockerfileRel || f === ".dockerignore" || !ig.ignores(f))
    .sort();
  const hash = createHash("sha256");
  const fileDigests: Record<string, string> = {};
  for (const f of files) {
    const full = joinPath(context, f);
    const bytes = view.readBytes(full) ?? Buffer.alloc(0);
    const mode = view.isExecutable?.(full) ? "x" : "-";
    hash.update(`${f}\0${mode}\0${bytes.length}\0`).update(bytes);
    fileDigests[f] = createHash("sha256").update(`${mode}\0`).update(bytes).digest("hex").slice(0, 16);
  }
  return { files, dockerfile: dockerfileRel, digest: hash.digest("hex").slice(0, 32), fileDigests };
}

/** The text of the Dockerfile's COPY and ADD instructions (continuation lines joined, comments left out). */
function copyInstructions(dockerfile: string): string {
  const instructions = dockerfile.replace(/\\\r?\n/g, " ").split(/\r?\n/);
  return instructions.filter((l) => /^\s*(COPY|ADD)\s/i.test(l)).join("\n");
}

/** Whether the Dockerfile lies inside its build context (the builder receives only the context). */
export function dockerfileInContext(context: string, dockerfile: string): boolean {
  return context === "" || isInside(dockerfile, context);
}
