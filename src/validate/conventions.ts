import { error, Problem } from "../problems";
import { joinPath, listFilesBelow } from "../read/files";
import { ComposeProject } from "./composeProject";

/**
 * The repository's conventions (its README): a README per service, a CHANGELOG beside home-built
 * images, home-built images named under the organisation's registry. Image pinning and secret
 * examples are checked where they are used (apply stage), for every stack.
 */
export function checkConventions(project: ComposeProject, registry: string): Problem[] {
  const problems: Problem[] = [];
  const { folder, document: doc } = project;
  const view = folder.files;
  if (view.kind(joinPath(folder.dir, "README.md")) !== "file") {
    problems.push(error(folder.dir, `no README.md: say what the service is, which settings can be changed and how to deploy it`));
  }
  const dockerfiles = listFilesBelow(view, folder.dir).filter((f) => /(^|\/)(Dockerfile|[^/]*\.Dockerfile|Dockerfile\.[^/]*)$/.test(f));
  const built = project.services.filter((s) => s.build);
  if ((dockerfiles.length > 0 || built.length > 0) && view.kind(joinPath(folder.dir, "CHANGELOG.md")) !== "file") {
    problems.push(error(folder.dir, `home-built image(s) but no CHANGELOG.md: record what each image version changes`));
  }
  for (const s of built) {
    if (s.image !== undefined && !s.image.startsWith(registry + "/")) {
      problems.push(error(doc.file, `services.${s.name}.image '${s.image}' is home-built, so it must be named under the registry: ${registry}/${s.image.split("/").pop()}`, doc.locate([...s.path, "image"])));
    }
  }
  return problems;
}
