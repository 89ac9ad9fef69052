// Helper process for leftOut.test.ts: runs the program as under `pulumi <argv[2] as JSON>` and prints
// what it declared (each resource's type, name, inputs and options), its `services` output and its fingerprints.
import { runProgram, TEST_CONFIG, unwrap } from "./recorder";

void runProgram("test", TEST_CONFIG, { engineArgs: JSON.parse(process.argv[2]) as string[] }).then((d) => {
  process.stdout.write(JSON.stringify({ resources: d.resources.map((r) => ({ type: r.type, name: r.name, inputs: unwrap(r.inputs), options: r.options })), outputs: d.outputs, fingerprints: d.fingerprints }));
});
