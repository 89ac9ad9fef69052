import * as readline from "node:readline/promises";

/**
 * Why a command must not go on, or undefined when the user said yes: `--yes` given, or a "y" typed at
 * the question. Without a terminal nobody can answer, so the command stops and says to add --yes.
 */
export async function confirmed(question: string, yes: boolean, ask: (question: string) => Promise<boolean> = askTerminal): Promise<string | undefined> {
  if (yes) return undefined;
  if (!process.stdin.isTTY && ask === askTerminal) return "not interactive; nothing was changed; run again with --yes to go on";
  return (await ask(question)) ? undefined : "cancelled; nothing was changed";
}

async function askTerminal(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  const answer = (await rl.question(question)).trim().toLowerCase();
  rl.close();
  return answer === "y" || answer === "yes";
}
