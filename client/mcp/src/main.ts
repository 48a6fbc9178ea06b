#!/usr/bin/env node
// indicators-mcp: an MCP server over the indicator service, on stdio (the
// default: an MCP client starts it) or on Streamable HTTP (--http_listen).
//
//   indicators-mcp --target=127.0.0.1:50051
//   indicators-mcp --target=host:443 --tls_ca=ca.pem --http_listen=127.0.0.1:8808
//
// The service's token comes from INDICATORS_TOKEN (never a flag: flags show
// in process lists). Nothing but the protocol is written to standard output
// in stdio mode; diagnostics go to standard error.

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { createIndicatorClient } from "indicators-client";
import { ArgumentReader, type InputSchemas } from "./arguments.js";
import { Catalog } from "./catalog.js";
import { MCP_PATH, serveHttp } from "./http.js";
import { createMcpServer } from "./server.js";

const USAGE = `usage: indicators-mcp [--target=HOST:PORT[,HOST:PORT...]] [--tls_ca=FILE [--tls_cert=FILE --tls_key=FILE]]
                      [--timeout_ms=N] [--http_listen=HOST:PORT]
  --target       the indicator service's gRPC address, or replicas (default $INDICATORS_TARGET or 127.0.0.1:50051)
  --tls_ca       the CA of the service's certificate (PEM): TLS; with --tls_cert/--tls_key, mutual TLS
  --timeout_ms   deadline of each call to the service (default 10000)
  --http_listen  serve MCP over Streamable HTTP at http://HOST:PORT${MCP_PATH} instead of stdio (port 0: any free port)
environment: INDICATORS_TOKEN (sent to the service), INDICATORS_MCP_TOKEN (required of HTTP clients when set)`;

function fail(message: string): never {
  process.stderr.write(`indicators-mcp: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function options() {
  try {
    return parseArgs({
      options: {
        target: { type: "string" },
        tls_ca: { type: "string" },
        tls_cert: { type: "string" },
        tls_key: { type: "string" },
        timeout_ms: { type: "string" },
        http_listen: { type: "string" },
        help: { type: "boolean" },
      },
      strict: true,
    }).values;
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
}

function inputSchemas(): InputSchemas {
  const path = join(dirname(fileURLToPath(import.meta.url)), "..", "input_schemas.json");
  return JSON.parse(readFileSync(path, "utf8")) as InputSchemas;
}

async function main() {
  const flags = options();
  if (flags.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const target = flags.target ?? process.env.INDICATORS_TARGET ?? "127.0.0.1:50051";
  const timeoutMs = flags.timeout_ms === undefined ? 10_000 : Number(flags.timeout_ms);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) fail(`--timeout_ms must be a positive integer, not ${flags.timeout_ms}`);
  if ((flags.tls_cert === undefined) !== (flags.tls_key === undefined)) fail("--tls_cert and --tls_key go together");
  if (flags.tls_cert && !flags.tls_ca) fail("--tls_cert needs --tls_ca");
  let client;
  try {
    client = createIndicatorClient(target, {
      timeoutMs,
      token: process.env.INDICATORS_TOKEN || undefined,
      tls: flags.tls_ca ? { caFile: flags.tls_ca, certFile: flags.tls_cert, keyFile: flags.tls_key } : undefined,
    });
  } catch (err) {
    return fail(`cannot read the TLS files: ${err instanceof Error ? err.message : String(err)}`);
  }
  const ctx = { client, catalog: new Catalog(client) };
  const reader = new ArgumentReader(inputSchemas());
  if (flags.http_listen !== undefined) {
    const match = /^(.+):(\d+)$/.exec(flags.http_listen);
    if (!match) fail(`--http_listen must be HOST:PORT, not ${flags.http_listen}`);
    const host = match[1].replace(/^\[(.*)\]$/, "$1");
    if (!["127.0.0.1", "localhost", "::1"].includes(host) && !process.env.INDICATORS_MCP_TOKEN) {
      fail(`--http_listen=${flags.http_listen} is not loopback: set INDICATORS_MCP_TOKEN so that only its holders can call the service through it`);
    }
    const http = await serveHttp(ctx, reader, host, Number(match[2]), process.env.INDICATORS_MCP_TOKEN || undefined);
    const port = (http.address() as { port: number }).port;
    const shown = host.includes(":") ? `[${host}]` : host;
    process.stdout.write(`listening on http://${shown}:${port}${MCP_PATH}; service ${target}\n`);
    const stop = () => http.close(() => process.exit(0));
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
    return;
  }
  await createMcpServer(ctx, reader).connect(new StdioServerTransport());
  process.stderr.write(`indicators-mcp: serving MCP on stdio; service ${target}\n`);
}

main().catch((err) => {
  process.stderr.write(`indicators-mcp: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
