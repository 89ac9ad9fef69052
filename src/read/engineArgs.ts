import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The arguments of the `pulumi` command this program runs under (the CLI starts the language host,
 * which starts the program), read from /proc: what the engine will leave out (src/plan/leftOut.ts).
 * Undefined where they cannot be read (no /proc, or no `pulumi` among the first ancestors: under the
 * mocks, or another runner): then the program declares every folder.
 */
export function readEngineArgs(proc = "/proc", from: number = process.ppid): string[] | undefined {
  let pid = from;
  for (let depth = 0; depth < 4 && pid > 1; depth++) {
    let argv: string[];
    let stat: string;
    try {
      argv = fs.readFileSync(path.join(proc, String(pid), "cmdline"), "utf8").split("\0");
      stat = fs.readFileSync(path.join(proc, String(pid), "stat"), "utf8");
    } catch {
      return undefined;
    }
    if (argv.at(-1) === "") argv.pop();
    if (argv.length > 0 && /^pulumi(\.exe)?$/.test(path.basename(argv[0]))) return argv.slice(1);
    // `pid (comm) state ppid …`: comm may hold spaces and parentheses; the last `)` ends it.
    pid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  }
  return undefined;
}
