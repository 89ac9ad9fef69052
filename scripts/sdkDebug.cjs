// The Pulumi SDK's own debug messages, sent to the engine only when asked for.
"use strict";

/**
 * The SDK sends the engine a debug message at each step of each registration ("Registering
 * resource…", "RegisterResource RPC prepared…", "…finished"), one RPC apiece: 639 in a preview of 30
 * folders, about a tenth of its time, in the program and in the CLI that receives, logs and drops
 * them (it shows them only with --debug). From here on `debug` is a no-op, unless DEPLOY_SDK_DEBUG=1
 * (README, "Performance"): then the messages go to the engine as before. Info, warnings and errors
 * are untouched. `logModule` is the SDK's `log` module, whose `debug` its own code calls through.
 * Returns whether the messages are dropped.
 */
function quietSdkDebug(logModule, env) {
  if (env.DEPLOY_SDK_DEBUG === "1") return false;
  logModule.debug = () => Promise.resolve();
  return true;
}

module.exports = { quietSdkDebug };
