// MCP over Streamable HTTP, stateless: each POST to /mcp gets its own MCP
// server and transport (JSON answers, no session to keep), over the shared
// client of the service. Bound to loopback by default, with DNS-rebinding
// protection there; INDICATORS_MCP_TOKEN, when set, is required as a bearer
// token (main refuses another address without it).

import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { ArgumentReader } from "./arguments.js";
import { createMcpServer } from "./server.js";
import type { ToolContext } from "./tools.js";

export const MCP_PATH = "/mcp";

function reply(res: ServerResponse, status: number, message: string) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message }, id: null }));
}

function authorized(req: IncomingMessage, token: string | undefined): boolean {
  return !token || req.headers.authorization === `Bearer ${token}`;
}

/** Listens on host:port (port 0: any free one) and returns the server. */
export async function serveHttp(ctx: ToolContext, reader: ArgumentReader, host: string, port: number, token?: string): Promise<HttpServer> {
  const loopback = ["127.0.0.1", "localhost", "::1"].includes(host);
  let allowedHosts: string[] = [];
  const http = createServer(async (req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== MCP_PATH) return reply(res, 404, `not found: the MCP endpoint is ${MCP_PATH}`);
    if (!authorized(req, token)) {
      res.setHeader("www-authenticate", "Bearer");
      return reply(res, 401, "unauthenticated: send Authorization: Bearer <INDICATORS_MCP_TOKEN>");
    }
    if (req.method !== "POST") {
      res.setHeader("allow", "POST");
      return reply(res, 405, "method not allowed: this server is stateless, POST each message");
    }
    const server = createMcpServer(ctx, reader);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      // A page in a browser must not reach a loopback server through a
      // name that resolves to 127.0.0.1; elsewhere the token guards it.
      enableDnsRebindingProtection: loopback,
      allowedHosts,
    });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res);
    } catch (err) {
      if (!res.headersSent) reply(res, 500, `internal error: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(port, host, () => resolve());
  });
  const bound = (http.address() as AddressInfo).port;
  allowedHosts = [`${host}:${bound}`, `localhost:${bound}`, `127.0.0.1:${bound}`, `[::1]:${bound}`];
  return http;
}
