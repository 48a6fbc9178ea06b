// A tool's arguments become its request message: checked against the tool's
// input schema (the request message's JSON schema, generated from proto/ at
// build time), then read with protobuf's JSON mapping. Either step refuses
// an argument by naming its field ("filter.indicatorIds[0]").

import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { fromJson, type DescMessage, type JsonValue } from "indicators-client";
import { ArgumentError } from "./errors.js";

export type InputSchemas = Record<string, Record<string, unknown>>;

/** "/filter/indicatorIds/0" -> "filter.indicatorIds[0]". */
function fieldOf(error: ErrorObject): string {
  let path = "";
  for (const part of error.instancePath.split("/").slice(1)) {
    path += /^\d+$/.test(part) ? `[${part}]` : path === "" ? part : `.${part}`;
  }
  const extra = (error.params as { additionalProperty?: string; missingProperty?: string }).additionalProperty;
  if (extra) path = path === "" ? extra : `${path}.${extra}`;
  return path;
}

export class ArgumentReader {
  private readonly ajv = new Ajv({ strict: false, validateFormats: false, allErrors: false });
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly schemas: InputSchemas) {}

  /** The input schema of the request message `request`. */
  schemaOf(request: DescMessage): Record<string, unknown> {
    const schema = this.schemas[request.typeName];
    if (!schema) throw new Error(`no input schema for ${request.typeName}: rebuild the MCP server`);
    return schema;
  }

  /** The request message the arguments make, or an ArgumentError. */
  read<M extends DescMessage>(request: M, args: Record<string, unknown> | undefined) {
    let validate = this.validators.get(request.typeName);
    if (!validate) {
      validate = this.ajv.compile(this.schemaOf(request));
      this.validators.set(request.typeName, validate);
    }
    const json = args ?? {};
    if (!validate(json)) {
      const error = validate.errors![0];
      const field = fieldOf(error);
      const message = error.keyword === "additionalProperties" ? "is not a field of this tool" : (error.message ?? "is not valid");
      const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues;
      throw new ArgumentError(field, `${field || "the arguments"} ${message}${allowed ? `: ${allowed.join(", ")}` : ""}`);
    }
    try {
      return fromJson(request, json as JsonValue);
    } catch (err) {
      // protobuf's JSON reader names the message and field it could not read.
      const text = err instanceof Error ? err.message : String(err);
      const field = /field [\w.]+\.(\w+)/.exec(text)?.[1] ?? "";
      throw new ArgumentError(field, text);
    }
  }
}
