import { error, Problem, warning } from "../problems";
import { FileView, joinPath, readText, snapshotOf } from "./files";

/** Compose file names, in the order docker-compose looks for them. */
export const COMPOSE_FILE_NAMES = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"];

/** The folder copied to start a new service: validated by `check`, never deployed. */
export const TEMPLATE_FOLDER = "template";

/** One folder of the repository: a service "in the broad sense" (an app and its database, …). */
export interface ServiceFolder {
  /** Folder name, e.g. `pica-pad`: the compose project name and the prefix of every resource name. */
  readonly name: string;
  /** Repository-relative path of the folder, e.g. `services/pica-pad`. */
  readonly dir: string;
  /** Repository-relative path of the compose file. */
  readonly composeFile: string;
  readonly composeText: string;
  /** The folder's `.env`, used for interpolation, when present. */
  readonly dotenv?: { readonly file: string; readonly text: string };
  /**
   * Every file of the folder, read once here (real secrets included): later stages read the folder's
   * files from this and nothing else, so they do no I/O and see one state of the folder.
   */
  readonly files: FileView;
}

export interface DiscoveryOptions {
  readonly servicesDir: string;
  /** Folder names to keep; all folders when absent. */
  readonly only?: readonly string[];
  /** Keep the template folder (for `check`). */
  readonly includeTemplate?: boolean;
}

/** Finds every service folder under `servicesDir`. Folders without a compose file are reported. */
export function discoverServiceFolders(
  view: FileView,
  opts: DiscoveryOptions,
): { folders: ServiceFolder[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const folders: ServiceFolder[] = [];
  const root = joinPath(opts.servicesDir);
  if (view.kind(root) !== "dir") {
    return {
      folders,
      problems: [error(root || ".", `the services directory '${root}' does not exist in the ${view.description}; set the stack's config key 'servicesDir'`)],
    };
  }
  for (const name of view.list(root)) {
    const dir = joinPath(root, name);
    if (name.startsWith(".") || view.kind(dir) !== "dir") continue;
    if (name === TEMPLATE_FOLDER && !opts.includeTemplate) continue;
    const present = COMPOSE_FILE_NAMES.filter((f) => view.kind(joinPath(dir, f)) === "file");
    if (present.length === 0) {
      problems.push(warning(dir, `no compose file (${COMPOSE_FILE_NAMES.join(", ")}) in this folder; it is not a service and is skipped`));
      continue;
    }
    if (present.length > 1) {
      problems.push(error(joinPath(dir, present[1]), `two compose files in one folder (${present.join(", ")}); docker-compose would read ${present[0]} only: delete the other one`));
    }
    const files = snapshotOf(view, dir);
    const composeFile = joinPath(dir, present[0]);
    const dotenvFile = joinPath(dir, ".env");
    const dotenvText = files.kind(dotenvFile) === "file" ? readText(files, dotenvFile) : undefined;
    folders.push({
      name,
      dir,
      composeFile,
      composeText: readText(files, composeFile) ?? "",
      dotenv: dotenvText === undefined ? undefined : { file: dotenvFile, text: dotenvText },
      files,
    });
  }
  if (opts.only && opts.only.length > 0) {
    const known = new Set(folders.map((f) => f.name));
    for (const wanted of opts.only) {
      if (!known.has(wanted)) {
        problems.push(error(root, `the stack selects service '${wanted}' (config key 'services') but ${root}/${wanted} has no compose file; known services: ${[...known].join(", ") || "none"}`));
      }
    }
    const keep = new Set(opts.only);
    return { folders: folders.filter((f) => keep.has(f.name)), problems };
  }
  return { folders, problems };
}
