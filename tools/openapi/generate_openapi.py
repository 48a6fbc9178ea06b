#!/usr/bin/env python3
"""Writes the OpenAPI 3.1 document of the HTTP surface from the contract.

Reads the descriptor set the build writes from proto/ (with source info, so
that the proto comments become descriptions) and writes, from it alone:
  - a path per RPC: POST (Connect, JSON or binary), GET for the calls
    without side effects, server streams as Connect envelopes;
  - the download paths (/v1/observations.*) with one query parameter per
    field of ObservationFilter and ValueOptions;
  - a schema per message and enum in protobuf's JSON mapping;
  - the examples of examples.json.
Also writes a C++ file that embeds the document, for the server's
GET /openapi.json.

Usage: generate_openapi.py PROTOSET EXAMPLES OUT_JSON OUT_CC
"""

import json
import sys

from google.protobuf import descriptor_pb2

SERVICE = "indicators.v1.IndicatorService"
HEALTH = "grpc.health.v1.Health"
# The calls that change state (never a GET) and the scope their token needs;
# the others read, and need a token only with --require_read_token.
SCOPES = {"ReloadDataset": "admin", "IngestObservations": "write"}
F = descriptor_pb2.FieldDescriptorProto
INT32 = {F.TYPE_INT32, F.TYPE_SINT32, F.TYPE_SFIXED32, F.TYPE_UINT32,
         F.TYPE_FIXED32}
INT64 = {F.TYPE_INT64, F.TYPE_SINT64, F.TYPE_SFIXED64, F.TYPE_UINT64,
         F.TYPE_FIXED64}
WELL_KNOWN = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time",
                                  "description": "RFC 3339, UTC (Z)."},
    "google.protobuf.Duration": {"type": "string",
                                 "description": "Seconds with an s suffix."},
    "google.protobuf.Int32Value": {"type": "integer", "format": "int32"},
    "google.protobuf.Int64Value": {"type": ["integer", "string"],
                                   "format": "int64"},
    "google.protobuf.StringValue": {"type": "string"},
    "google.protobuf.BoolValue": {"type": "boolean"},
    "google.protobuf.DoubleValue": {"type": "number"},
    "google.protobuf.Any": {
        "type": "object", "properties": {"@type": {"type": "string"}},
        "required": ["@type"], "additionalProperties": True},
    "google.protobuf.Struct": {"type": "object"},
    "google.protobuf.Value": {},
    "google.protobuf.Empty": {"type": "object", "additionalProperties": False},
}
CODES = ["canceled", "unknown", "invalid_argument", "deadline_exceeded",
         "not_found", "already_exists", "permission_denied",
         "resource_exhausted", "failed_precondition", "aborted",
         "out_of_range", "unimplemented", "internal", "unavailable",
         "data_loss", "unauthenticated"]


class Contract:
    """The messages, enums, services and comments of a descriptor set."""

    def __init__(self, files):
        self.messages, self.enums, self.services = {}, {}, {}
        self.comments = {}
        for f in files:
            comments = {tuple(loc.path): loc.leading_comments
                        for loc in f.source_code_info.location
                        if loc.leading_comments}
            for i, m in enumerate(f.message_type):
                self._message(f.package, m, (4, i), comments)
            for i, e in enumerate(f.enum_type):
                name = f"{f.package}.{e.name}"
                self.enums[name] = e
                self.comments[name] = comments.get((5, i), "")
            for i, s in enumerate(f.service):
                name = f"{f.package}.{s.name}"
                self.services[name] = s
                for j, m in enumerate(s.method):
                    self.comments[f"{name}.{m.name}"] = comments.get(
                        (6, i, 2, j), "")

    def _message(self, scope, m, path, comments):
        name = f"{scope}.{m.name}"
        self.messages[name] = m
        self.comments[name] = comments.get(path, "")
        for j, field in enumerate(m.field):
            self.comments[f"{name}.{field.name}"] = comments.get(
                path + (2, j), "")
        for j, nested in enumerate(m.nested_type):
            self._message(name, nested, path + (3, j), comments)
        for j, e in enumerate(m.enum_type):
            self.enums[f"{name}.{e.name}"] = e
            self.comments[f"{name}.{e.name}"] = comments.get(path + (4, j), "")


def text(comment):
    return " ".join(line.strip() for line in comment.strip().splitlines())


def ref(type_name):
    return {"$ref": f"#/components/schemas/{type_name}"}


def field_schema(contract, field):
    type_name = field.type_name.lstrip(".")
    if field.type == F.TYPE_MESSAGE:
        entry = contract.messages.get(type_name)
        if entry is not None and entry.options.map_entry:
            return {"type": "object",
                    "additionalProperties": field_schema(contract,
                                                         entry.field[1])}
        one = WELL_KNOWN.get(type_name) or ref(type_name)
    elif field.type == F.TYPE_ENUM:
        one = ref(type_name)
    elif field.type in INT32:
        one = {"type": "integer", "format": "int32"}
    elif field.type in INT64:
        # The JSON mapping writes 64-bit integers as strings; reads both.
        one = {"type": ["integer", "string"], "format": "int64"}
    elif field.type in (F.TYPE_DOUBLE, F.TYPE_FLOAT):
        one = {"type": "number"}
    elif field.type == F.TYPE_BOOL:
        one = {"type": "boolean"}
    elif field.type == F.TYPE_BYTES:
        one = {"type": "string", "contentEncoding": "base64"}
    else:
        one = {"type": "string"}
    if field.label == F.LABEL_REPEATED:
        return {"type": "array", "items": one}
    return one


def schemas(contract):
    out = {}
    for name, m in sorted(contract.messages.items()):
        if m.options.map_entry or name in WELL_KNOWN:
            continue
        properties = {}
        for field in m.field:
            schema = dict(field_schema(contract, field))
            description = text(contract.comments.get(f"{name}.{field.name}", ""))
            if description:
                schema = {"description": description, **schema} \
                    if "$ref" not in schema else {"description": description,
                                                  "allOf": [schema]}
            properties[field.json_name] = schema
        out[name] = {"type": "object", "properties": properties,
                     "additionalProperties": False}
        if contract.comments.get(name):
            out[name]["description"] = text(contract.comments[name])
    for name, e in sorted(contract.enums.items()):
        out[name] = {"type": "string", "enum": [v.name for v in e.value]}
        if contract.comments.get(name):
            out[name]["description"] = text(contract.comments[name])
    for name, schema in WELL_KNOWN.items():
        out[name] = schema
    out["ConnectError"] = {
        "type": "object",
        "description": "The Connect protocol's error: the code, the message, "
                       "and the typed details (google.rpc.ErrorInfo with the "
                       "reason and field, google.rpc.BadRequest), each as its "
                       "binary encoding in base64 and as JSON (debug).",
        "properties": {
            "code": {"type": "string", "enum": CODES},
            "message": {"type": "string"},
            "details": {"type": "array", "items": {
                "type": "object",
                "properties": {"type": {"type": "string"},
                               "value": {"type": "string"},
                               "debug": {}},
                "required": ["type", "value"]}}},
        "required": ["code"]}
    return out


ERROR = {"description": "A Connect error, with the HTTP status of its code "
                        "(400, 401, 403, 404, 409, 429, 499, 500, 501, 503, "
                        "504).",
         "content": {"application/json": {
             "schema": ref("ConnectError")}}}


def operations(contract, examples):
    paths = {}
    for service_name in (SERVICE, HEALTH):
        service = contract.services.get(service_name)
        if service is None:  # Health is in the set when its proto is.
            continue
        for m in service.method:
            full = f"{service_name}.{m.name}"
            inp, out = m.input_type.lstrip("."), m.output_type.lstrip(".")
            description = text(contract.comments.get(full, ""))
            summary = description.split(". ")[0].rstrip(".")[:120] or m.name
            scope = SCOPES.get(m.name)
            op = {"operationId": f"{service.name}_{m.name}",
                  "tags": [service_name],
                  "summary": summary,
                  "description": description,
                  "security": [{"bearer": []}] if scope else
                              [{}, {"bearer": []}]}
            if scope:
                op["description"] += f" Needs a token with the {scope} scope."
            example = examples.get(m.name) if service_name == SERVICE else {}
            if m.server_streaming:
                op["requestBody"] = {"required": True, "content": {
                    "application/connect+json": {
                        "schema": {"type": "string", "format": "binary",
                                   "description": "One enveloped message: "
                                   "a flags byte 0, its length as 4 bytes "
                                   "big-endian, then the request's JSON."},
                        "x-connect-message": ref(inp)}}}
                op["responses"] = {"200": {
                    "description": "Enveloped messages (flags 0), then the "
                                   "end-of-stream message (flags 2): {} or "
                                   "{\"error\": ConnectError}. Errors come "
                                   "there, with HTTP 200.",
                    "content": {"application/connect+json": {
                        "schema": {"type": "string", "format": "binary"},
                        "x-connect-message": ref(out)}}},
                    "default": ERROR}
            else:
                op["requestBody"] = {"required": True, "content": {
                    "application/json": {"schema": ref(inp)},
                    "application/proto": {
                        "schema": {"type": "string", "format": "binary"}}}}
                op["responses"] = {"200": {
                    "description": f"The {out.rsplit('.', 1)[-1]}.",
                    "content": {"application/json": {"schema": ref(out)},
                                "application/proto": {"schema": {
                                    "type": "string", "format": "binary"}}}},
                    "default": ERROR}
            if example is not None:
                content = op["requestBody"]["content"]
                key = ("application/connect+json" if m.server_streaming
                       else "application/json")
                content[key]["examples"] = {"example": {"value": example}}
            item = {"post": op}
            if not m.server_streaming and scope is None:
                get = {k: v for k, v in op.items() if k != "requestBody"}
                get = dict(get, operationId=f"{service.name}_{m.name}_get",
                           parameters=[
                    {"name": "encoding", "in": "query", "required": True,
                     "schema": {"type": "string", "enum": ["json", "proto"]}},
                    {"name": "message", "in": "query", "required": False,
                     "description": "The request: its JSON (encoding=json), "
                                    "or its binary encoding in base64url "
                                    "(encoding=proto, base64=1).",
                     "content": {"application/json": {"schema": ref(inp)}}},
                    {"name": "base64", "in": "query",
                     "schema": {"type": "string", "enum": ["1"]}},
                    {"name": "connect", "in": "query",
                     "schema": {"type": "string", "enum": ["v1"]}}])
                item["get"] = get
            paths[f"/{service_name}/{m.name}"] = item
    return paths


def download_parameters(contract):
    params = []
    for message in ("indicators.v1.ObservationFilter",
                    "indicators.v1.ValueOptions"):
        for field in contract.messages[message].field:
            schema = field_schema(contract, field)
            if field.type_name.lstrip(".") in contract.enums:
                values = [v.name for v in
                          contract.enums[field.type_name.lstrip(".")].value][1:]
                one = {"type": "string", "enum": values,
                       "description": "A value name, with or without its "
                                      "prefix (case-insensitive)."}
                schema = {"type": "array", "items": one} \
                    if field.label == F.LABEL_REPEATED else one
            if schema.get("type") == "array":
                schema = {"type": "array", "items": schema["items"]}
            param = {"name": field.name, "in": "query", "schema": schema,
                     "description": text(contract.comments.get(
                         f"{message}.{field.name}", ""))}
            if schema.get("type") == "array":
                param.update(style="form", explode=False)
            params.append(param)
    return params


def downloads(contract, example):
    params = download_parameters(contract)
    headers = {
        "ETag": {"description": "The dataset version, quoted; send it in "
                                "If-None-Match to get 304 while it holds.",
                 "schema": {"type": "string"}},
        "X-Dataset-Version": {"schema": {"type": "string"}},
        "Content-Disposition": {"schema": {"type": "string"}},
        "Link": {"description": "The metadata document "
                                "(rel=\"describedby\").",
                 "schema": {"type": "string"}}}
    formats = {
        "csv": ("text/csv", "The dataset's observations.csv layout (loads "
                "again as a dataset); values as published only."),
        "json": ("application/json", "{\"observations\": [...], "
                 "\"datasetVersion\", \"warnings\"}, each observation in "
                 "protobuf's JSON mapping."),
        "sdmx.csv": ("application/vnd.sdmx.data+csv; version=2.0.0",
                     "SDMX-CSV 2.0: STRUCTURE, STRUCTURE_ID, ACTION, FREQ, "
                     "INDICATOR, REF_AREA, TIME_PERIOD, OBS_VALUE, "
                     "UNIT_MEASURE, UNIT_MULT, OBS_STATUS, OBS_QUALIFIER, "
                     "SOURCE, OBS_COM."),
        "meta.json": ("application/json", "What the download of the same "
                      "query holds: dataset version, query, indicators, "
                      "sources cited, warnings, citation, addresses."),
    }
    paths = {}
    for ext, (media, description) in formats.items():
        paths[f"/v1/observations.{ext}"] = {"get": {
            "operationId": f"download_{ext.replace('.', '_')}",
            "tags": ["downloads"],
            "summary": f"Observations matching a filter as {ext}",
            "description": description + " Streamed; parameters are the "
                           "fields of ObservationFilter and ValueOptions.",
            "security": [{}, {"bearer": []}],
            "parameters": params + [{
                "name": "If-None-Match", "in": "header",
                "schema": {"type": "string"}}],
            "x-example-query": example,
            "responses": {
                "200": {"description": description, "headers": headers,
                        "content": {media: {"schema": {"type": "string"}}}},
                "304": {"description": "The dataset version is the one in "
                                       "If-None-Match."},
                "default": ERROR}}}
    return paths


def document(contract, examples):
    paths = operations(contract, examples)
    paths.update(downloads(contract, examples.get("downloads", {})))
    paths["/openapi.json"] = {"get": {
        "operationId": "openapi", "tags": ["meta"],
        "summary": "This document", "security": [{}],
        "responses": {"200": {"description": "OpenAPI 3.1",
                              "content": {"application/json": {}}}}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Indicator service",
            "version": "1",
            "summary": "Regional science-and-technology indicators with "
                       "units, qualifiers, sources and vintages.",
            "description": "The HTTP surface of indicators.v1 (the same "
                           "calls as gRPC, in the Connect protocol) and "
                           "downloads. Generated from proto/ at build time.",
            "license": {"name": "Apache-2.0",
                        "identifier": "Apache-2.0"}},
        "servers": [{"url": "http://127.0.0.1:8080"}],
        "security": [{}, {"bearer": []}],
        "tags": [{"name": name} for name in (SERVICE, HEALTH)
                 if name in contract.services] +
                [{"name": "downloads"}, {"name": "meta"}],
        "paths": paths,
        "components": {
            "schemas": schemas(contract),
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "A token of the server's --tokens_file: "
                               "read, write or admin scope."}}},
    }


def main(argv):
    protoset, examples_path, out_json, out_cc = argv[1:5]
    files = descriptor_pb2.FileDescriptorSet()
    with open(protoset, "rb") as f:
        files.ParseFromString(f.read())
    with open(examples_path, encoding="utf-8") as f:
        examples = {k: v for k, v in json.load(f).items()
                    if not k.startswith("_")}
    text_json = json.dumps(document(Contract(files.file), examples),
                           indent=1, ensure_ascii=False, sort_keys=False)
    with open(out_json, "w", encoding="utf-8") as f:
        f.write(text_json + "\n")
    assert ")openapi\"" not in text_json
    with open(out_cc, "w", encoding="utf-8") as f:
        f.write("// Generated from proto/ by tools/openapi/generate_openapi.py;"
                " do not edit.\n#include \"server/http/openapi_document.h\"\n\n"
                "namespace indicators::http {\n\nabsl::string_view "
                "OpenApiDocument() {\n  static constexpr char kDocument[] = "
                "R\"openapi(" + text_json + "\n)openapi\";\n"
                "  return absl::string_view(kDocument, sizeof kDocument - 1);"
                "\n}\n\n}  // namespace indicators::http\n")


if __name__ == "__main__":
    main(sys.argv)
