// Writes the input schema of each MCP tool from the OpenAPI document that the
// build generates from proto/ (tools/openapi/generate_openapi.py): a tool's
// arguments are its request message in protobuf's JSON mapping, so its schema
// is that message's schema with every reference inlined (MCP clients expect
// one self-contained object schema per tool) and the proto comments as
// descriptions. Nothing here re-describes a message by hand.
//
// Usage: node tools/input_schemas.mjs OPENAPI_JSON OUT_JSON

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

const [openapiPath, outPath] = process.argv.slice(2);
if (!openapiPath || !outPath) {
  console.error("usage: input_schemas.mjs OPENAPI_JSON OUT_JSON");
  process.exit(2);
}
const schemas = JSON.parse(readFileSync(openapiPath, "utf8")).components.schemas;

// The request messages the tools take (src/tools.ts names them too).
const REQUESTS = [
  "indicators.v1.SearchCatalogRequest",
  "indicators.v1.GetIndicatorRequest",
  "indicators.v1.GetRegionRequest",
  "indicators.v1.GetSourceRequest",
  "indicators.v1.ListIndicatorsRequest",
  "indicators.v1.ListRegionsRequest",
  "indicators.v1.QueryObservationsRequest",
  "indicators.v1.AggregateObservationsRequest",
  "indicators.v1.GetObservationHistoryRequest",
  "indicators.v1.GetDatasetInfoRequest",
];

// Returns `schema` with every $ref replaced by its target (a request never
// refers to itself; a cycle is an error rather than an endless schema).
function inline(schema, seen = []) {
  if (Array.isArray(schema)) return schema.map((s) => inline(s, seen));
  if (schema === null || typeof schema !== "object") return schema;
  if (schema.$ref) {
    const name = schema.$ref.replace("#/components/schemas/", "");
    if (seen.includes(name)) throw new Error(`${name} refers to itself: ${seen.join(" > ")}`);
    const target = schemas[name];
    if (!target) throw new Error(`no schema ${name}`);
    return inline(target, [...seen, name]);
  }
  const out = {};
  for (const [key, value] of Object.entries(schema)) out[key] = inline(value, seen);
  // {description, allOf: [one]} is how the document describes a referenced
  // field: merge it into one schema, the field's description first.
  if (out.allOf && out.allOf.length === 1) {
    const { allOf, description, ...rest } = out;
    const merged = { ...allOf[0], ...rest };
    if (description) merged.description = description;
    return merged;
  }
  return out;
}

const out = {};
for (const name of REQUESTS) {
  const schema = inline({ $ref: `#/components/schemas/${name}` });
  out[name] = { ...schema, type: "object" };
}
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, JSON.stringify(out, null, 1) + "\n");
