// The MCP server: the tools of tools.ts (one call of the service each), the
// catalog and the guide as resources. One Server per MCP session; the
// service's client and the catalog's cache are shared by all of them.

import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CallToolRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  ErrorCode,
  McpError,
  type CallToolResult,
} from "@modelcontextprotocol/sdk/types.js";
import { ArgumentReader } from "./arguments.js";
import { toolErrorOf, toolErrorText } from "./errors.js";
import { GUIDE } from "./guide.js";
import { TOOLS, outputSchemaOf, type ToolContext } from "./tools.js";

export const SERVER_NAME = "indicators-mcp";
export const SERVER_VERSION = "1.0.0";
/** Where a tool error's code, reason, field and hint are in `_meta`. */
export const ERROR_META_KEY = "indicators.v1/error";

const INSTRUCTIONS =
  "Statistical indicators of regions (R&D expenditure and intensity, R&D personnel, patents, PCT applications, " +
  "high-tech enterprises, GDP, population, the yuan's dollar rate), each figure with its unit, power of ten, " +
  "qualifier, status and sources. Find ids with search_catalog, then query_observations. Quote each figure's " +
  "asStated (a hedged figure is never exact) with its sources and the dataset version. The resource " +
  "indicators://guide explains the conventions.";

interface Resource {
  uri: string;
  name: string;
  description: string;
  mimeType: string;
  read(ctx: ToolContext): Promise<string>;
}

async function catalogOf(ctx: ToolContext) {
  const info = await ctx.client.getDatasetInfo({});
  await ctx.catalog.ensure(info.dataset?.version ?? "");
  return ctx.catalog;
}

const RESOURCES: Resource[] = [
  {
    uri: "indicators://guide",
    name: "How to read the figures",
    description: "Qualifiers, status, units and powers of ten, sources, derived figures, warnings and the version.",
    mimeType: "text/markdown",
    read: async () => GUIDE,
  },
  {
    uri: "indicators://catalog/indicators",
    name: "The indicators",
    description: "Every indicator with its unit, power of ten, definition and aggregation (JSON).",
    mimeType: "application/json",
    read: async (ctx) =>
      JSON.stringify(
        (await catalogOf(ctx)).allIndicators().map((i) => ({
          id: i.id,
          name: i.name,
          unit: i.unit,
          unitMultiplier: i.unitMultiplier,
          description: i.description,
          derivedFrom: i.derivation?.formula ?? "",
        })),
        null,
        1,
      ),
  },
  {
    uri: "indicators://catalog/sources",
    name: "The sources",
    description: "Every source with its publisher, title, date, address and reliability (JSON).",
    mimeType: "application/json",
    read: async (ctx) =>
      JSON.stringify(
        (await catalogOf(ctx)).allSources().map((s) => ({
          id: s.id,
          publisher: s.publisher,
          title: s.title,
          published: s.published,
          url: s.url,
          note: s.note,
        })),
        null,
        1,
      ),
  },
];

/** A tool's answer, or its failure as a tool error (never a protocol error). */
async function callTool(ctx: ToolContext, reader: ArgumentReader, name: string, args: Record<string, unknown> | undefined): Promise<CallToolResult> {
  const tool = TOOLS.find((t) => t.name === name);
  if (!tool) {
    return { isError: true, content: [{ type: "text", text: `No tool ${name}: the tools are ${TOOLS.map((t) => t.name).join(", ")}.` }] };
  }
  try {
    const answer = await tool.run(ctx, reader.read(tool.request, args));
    return { content: [{ type: "text", text: answer.text }], structuredContent: answer.structured };
  } catch (err) {
    // The text is for the assistant; the same fields go in _meta for
    // programs (structured content must match the tool's output schema,
    // which describes answers).
    const error = toolErrorOf(err);
    return { isError: true, content: [{ type: "text", text: toolErrorText(error) }], _meta: { [ERROR_META_KEY]: error } };
  }
}

export function createMcpServer(ctx: ToolContext, reader: ArgumentReader): Server {
  const server = new Server(
    { name: SERVER_NAME, version: SERVER_VERSION },
    { capabilities: { tools: {}, resources: {} }, instructions: INSTRUCTIONS },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: TOOLS.map((tool) => ({
      name: tool.name,
      title: tool.title,
      description: tool.description,
      inputSchema: reader.schemaOf(tool.request) as { type: "object" },
      outputSchema: outputSchemaOf(tool) as { type: "object" },
      annotations: { readOnlyHint: true, openWorldHint: false },
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, (request) =>
    callTool(ctx, reader, request.params.name, request.params.arguments),
  );
  server.setRequestHandler(ListResourcesRequestSchema, async () => ({
    resources: RESOURCES.map(({ uri, name, description, mimeType }) => ({ uri, name, description, mimeType })),
  }));
  server.setRequestHandler(ReadResourceRequestSchema, async (request) => {
    const resource = RESOURCES.find((r) => r.uri === request.params.uri);
    if (!resource) throw new McpError(ErrorCode.InvalidParams, `no resource ${request.params.uri}`);
    return { contents: [{ uri: resource.uri, mimeType: resource.mimeType, text: await resource.read(ctx) }] };
  });
  return server;
}
