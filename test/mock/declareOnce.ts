// Helper process for determinism.test.ts: prints every declared resource's type, name, inputs and options.
import { runProgram, TEST_CONFIG, unwrap } from "./recorder";

void runProgram(process.argv[2] ?? "test", TEST_CONFIG).then((d) => {
  process.stdout.write(JSON.stringify(d.resources.map((r) => ({ ...r, inputs: unwrap(r.inputs) }))));
});
