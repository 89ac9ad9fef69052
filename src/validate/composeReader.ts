import { error, Problem } from "../problems";
import { joinPath } from "../read/files";
import { ServiceFolder } from "../read/serviceFolders";
import { ComposeDocument, ComposePath } from "./composeDocument";
import { KeyTreatment } from "./composeKeys";
import type { KeyReport } from "./composeProject";
import { Obj } from "./values";

/** What reading one compose file shares: where problems go, how keys are accounted for, paths. */
export class ComposeReader {
  readonly problems: Problem[] = [];
  readonly keys: KeyReport[] = [];
  constructor(readonly folder: ServiceFolder, readonly document: ComposeDocument) {}

  get file(): string {
    return this.document.file;
  }

  fail(path: ComposePath, message: string): void {
    this.problems.push(error(this.file, message, this.document.locate(path)));
  }

  /** A repository-relative path for a path of the compose file. */
  inFolder(p: string): string {
    return joinPath(this.folder.dir, p);
  }

  /** Each key of `obj` mapped, ignored (listed with its reason) or refused (an error at the key). */
  account(scope: string, path: ComposePath, obj: Obj, table: Record<string, KeyTreatment>): void {
    const report = { scope, mapped: [] as string[], ignored: [] as { key: string; reason: string }[], unsupported: [] as string[] };
    for (const key of Object.keys(obj)) {
      if (key.startsWith("x-")) continue;
      const t = table[key];
      if (t?.status === "mapped") report.mapped.push(key);
      else if (t?.status === "ignored") report.ignored.push({ key, reason: t.reason });
      else {
        report.unsupported.push(key);
        const why = t?.status === "refused"
          ? `the key '${key}' is not supported: ${t.reason}`
          : `the key '${key}' is not supported by this program; remove it or map it in src/validate/composeKeys.ts (deploying without it would run something else than docker-compose does)`;
        this.problems.push(error(this.file, `${scope}: ${why}`, this.document.locateKey(path, key)));
      }
    }
    this.keys.push(report);
  }
}
