import { projectSetting } from "./projectSettings";

/**
 * The Automation API reports a failed `pulumi` command as a dump (`code: … stdout: … stderr: … err?:`).
 * This turns it into what a person needs: the cause in one sentence and the command that fixes it.
 */
const KNOWN: readonly { readonly pattern: RegExp; readonly explain: (stack: string, found: RegExpExecArray, backend?: string) => string }[] = [
  {
    pattern: /passphrase must be set|PULUMI_CONFIG_PASSPHRASE/i,
    explain: (stack) =>
      `stack '${stack}' needs its passphrase: ${stack === "test" ? `export PULUMI_CONFIG_PASSPHRASE=${projectSetting("TEST_STACK_PASSPHRASE")} (the test stack's fixed one, see README)` : "export PULUMI_CONFIG_PASSPHRASE=… or PULUMI_CONFIG_PASSPHRASE_FILE=… (yours)"}`,
  },
  { pattern: /incorrect passphrase/i, explain: (stack) => `the passphrase given does not open stack '${stack}'; set PULUMI_CONFIG_PASSPHRASE to the one it was created with` },
  {
    pattern: /no stack named|stack .* not found/i,
    explain: (stack, _found, backend) => `stack '${stack}' does not exist in ${backend ?? process.env.PULUMI_BACKEND_URL ?? "the current backend"}; deploy it first (bash scripts/deploy.sh${stack === "test" ? "" : ` --stack ${stack}`})`,
  },
  {
    pattern: /The container name "\/([^"]+)" is already in use by container "([0-9a-f]{12})/,
    explain: (stack, [, name, id]) =>
      `a container named ${name} (${id}) that stack '${stack}' did not deploy holds the name: someone started it by hand, or an interrupted deploy left it. ` +
      `Nothing was removed. Check what it is (docker inspect ${name}), keep what you need from it, then docker rm -f ${name} and pulumi up again`,
  },
  { pattern: /currently locked/i, explain: (stack, found) => lockedBy(stack, found.input) },
  {
    pattern: /unexpected EOF/,
    explain: (stack) => `the state backend cut a read short (unexpected EOF) several times in a row (a race of Pulumi's lock in a bucket, README "Shared state"); run the same command again (npm run status -- ${stack} shows any lock left)`,
  },
];

/** Pulumi lists each lock as `…: created by user@host (pid N) at <time>`: one short line naming the holders. */
function lockedBy(stack: string, text: string): string {
  const holders = [...text.matchAll(/created by (\S+) \(pid (\d+)\) at (\S+)/g)].map(([, who, pid, at]) => `${who} (pid ${pid}, since ${at})`);
  return `stack '${stack}' is locked by ${holders.length > 0 ? [...new Set(holders)].join(", ") : "another update"}: someone is deploying it; wait and run again (npm run status -- ${stack} says what to check if nobody is)`;
}

/** Short, actionable text for an error of a `pulumi` command run on `stack`. */
export function explainPulumiError(e: unknown, stack: string, backend?: string): string {
  const text = e instanceof Error ? e.message : String(e);
  for (const k of KNOWN) {
    const found = k.pattern.exec(text);
    if (found) return k.explain(stack, found, backend);
  }
  // Otherwise the CLI's own error lines, without the dump around them.
  const errors = text.split("\n").map((l) => l.trim()).filter((l) => /^error:/i.test(l));
  return errors.length > 0 ? [...new Set(errors)].slice(-10).join("\n") : text.split("\n").slice(-10).join("\n");
}
