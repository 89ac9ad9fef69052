import { StackSettings } from "../settings";
import { FileView, WorkingTree } from "./files";
import {
  checkoutForBuilds,
  isGitRepository,
  lastChange,
  readRevision,
  resolveRevision,
  Revision,
  RevisionError,
  RevisionWithLocalSecrets,
  uncommittedChanges,
} from "./gitRevision";

/** Where the service folders are read from for this deployment. */
export interface ServiceSource {
  readonly view: FileView;
  /** Prefix of build contexts: "" for the working tree, the stable checkout for a revision. */
  readonly buildRoot: string;
  /** The commit deployed (HEAD for the working tree), when the project is a git repository. */
  readonly revision?: Revision & { readonly dirty: readonly string[] };
  /** The last commit that changed a folder, at the deployed revision. */
  lastChangeOf(dir: string): Promise<string | undefined>;
}

/**
 * The working tree, or the revision named by the stack's `servicesRef`. Refuses what would deploy
 * something nobody can find again: an unknown revision, or uncommitted changes going to prod.
 */
export async function openServiceSource(root: string, settings: StackSettings, opts: { checkout?: boolean } = {}): Promise<ServiceSource> {
  const workingTree = new WorkingTree(root);
  const none = (): Promise<undefined> => Promise.resolve(undefined);
  if (!(await isGitRepository(root))) {
    if (settings.servicesRef) throw new RevisionError(`config key 'servicesRef' is '${settings.servicesRef}' but ${root} is not a git repository`);
    return { view: workingTree, buildRoot: "", lastChangeOf: none };
  }
  const ref = settings.servicesRef ?? "HEAD";
  const revision = await resolveRevision(root, ref);
  const head = settings.servicesRef ? await resolveRevision(root, "HEAD").catch(() => undefined) : revision;
  const dirty = await uncommittedChanges(root, settings.servicesDir);
  if (settings.kind === "prod" && head?.sha === revision.sha && dirty.length > 0) {
    throw new RevisionError(
      `the working tree has uncommitted changes under ${settings.servicesDir} (${dirty.slice(0, 5).join(", ")}${dirty.length > 5 ? ", …" : ""}); ` +
        `prod deploys only committed revisions: commit them, or set servicesRef to the revision to deploy`,
    );
  }
  const lastChangeOf = (dir: string): Promise<string | undefined> => lastChange(root, revision.sha, dir);
  if (!settings.servicesRef) return { view: workingTree, buildRoot: "", revision: { ...revision, dirty }, lastChangeOf };
  const view = new RevisionWithLocalSecrets(await readRevision(root, revision.sha, settings.servicesDir), workingTree);
  // Read-only callers (status) leave the stable checkout alone.
  const buildRoot = opts.checkout === false ? "" : await checkoutForBuilds(root, revision.sha);
  return { view, buildRoot, revision: { ...revision, dirty: [] }, lastChangeOf };
}
