// Starts indicators-server ($INDICATORS_SERVER) with its HTTP port on
// 127.0.0.1, port 0, serving $INDICATORS_TEST_DATA, for the Node test suites
// (the OpenAPI examples, the web explorer). Resolves to the process and the
// base URL from its start line; rejects if it exits first.

import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

export async function startHttpServer(extraArgs = []) {
  const server = spawn(process.env.INDICATORS_SERVER, [
    "--listen=127.0.0.1:0", "--http_listen=127.0.0.1:0",
    `--data=${process.env.INDICATORS_TEST_DATA}`, ...extraArgs,
  ], { stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: server.stdout });
  const base = await new Promise((resolve, reject) => {
    lines.on("line", (line) => {
      const m = /http on (http:\/\/127\.0\.0\.1:\d+)\//.exec(line);
      if (m) resolve(m[1]);
    });
    server.once("exit", () => reject(new Error("server exited")));
  });
  return { server, base };
}
