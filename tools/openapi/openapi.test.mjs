// The OpenAPI document: valid OpenAPI 3.1 (by a maintained validator), served
// by the server as built, and every example in it run against a live server
// (started from $INDICATORS_SERVER on 127.0.0.1, port 0), each answer checked
// against the document's own response schema.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";

import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

import { startHttpServer } from "../../tests/testing/http_server_process.mjs";

const documentPath = process.env.OPENAPI_JSON;
const doc = JSON.parse(readFileSync(documentPath, "utf8"));
let server;
let base;

before(async () => {
  ({ server, base } = await startHttpServer());
});

after(() => server?.kill("SIGTERM"));

// Checks values against the document's schemas ("#/components/schemas/X").
function schemaChecker() {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  for (const f of ["int32", "int64", "binary"]) ajv.addFormat(f, true);
  ajv.addSchema({ ...doc, $id: "openapi.json" });
  return (ref, value) => {
    const validate = ajv.getSchema(`openapi.json${ref}`);
    assert.ok(validate, `no schema ${ref}`);
    return validate(value) ? null : ajv.errorsText(validate.errors);
  };
}

function envelope(json) {
  const payload = Buffer.from(JSON.stringify(json));
  const header = Buffer.alloc(5);
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

function envelopes(body) {
  const out = [];
  for (let at = 0; at + 5 <= body.length; ) {
    const n = body.readUInt32BE(at + 1);
    out.push({ flags: body[at], json: JSON.parse(body.subarray(at + 5, at + 5 + n).toString()) });
    at += 5 + n;
  }
  return out;
}

test("the document is valid OpenAPI 3.1 and is what the server serves", async () => {
  const result = await new Validator().validate(structuredClone(doc));
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 1)?.slice(0, 2000));
  assert.equal(doc.openapi, "3.1.0");
  // A broken document is caught: the validator is not a formality.
  const broken = structuredClone(doc);
  delete broken.info;
  assert.equal((await new Validator().validate(broken)).valid, false);
  const served = await (await fetch(`${base}/openapi.json`)).json();
  assert.deepEqual(served, doc);
});

test("every example runs, and its answer matches the document's schema", async () => {
  const check = schemaChecker();
  // The checker rejects what does not fit (so passing means something).
  assert.notEqual(check("#/components/schemas/indicators.v1.Indicator", { bogus: 1 }), null);
  let ran = 0;
  for (const [path, item] of Object.entries(doc.paths)) {
    const post = item.post;
    const content = post?.requestBody?.content ?? {};
    for (const [type, media] of Object.entries(content)) {
      const example = media.examples?.example?.value;
      if (example === undefined) continue;
      const stream = type === "application/connect+json";
      const answer = await fetch(base + path, {
        method: "POST",
        headers: { "Content-Type": type },
        body: stream ? envelope(example) : JSON.stringify(example),
      });
      assert.equal(answer.status, 200, `${path}: ${answer.status}`);
      const schema = post.responses["200"].content[type];
      if (stream) {
        const messages = envelopes(Buffer.from(await answer.arrayBuffer()));
        assert.ok(messages.length >= 2, path);
        assert.deepEqual(messages.at(-1), { flags: 2, json: {} }, path);
        for (const m of messages.slice(0, -1)) {
          assert.equal(check(schema["x-connect-message"].$ref, m.json), null, path);
        }
      } else {
        const body = await answer.json();
        assert.equal(check(schema.schema.$ref, body), null, `${path}: ${JSON.stringify(body).slice(0, 200)}`);
        if (item.get) {
          const url = `${base}${path}?encoding=json&message=${encodeURIComponent(JSON.stringify(example))}`;
          const got = await fetch(url);
          assert.equal(got.status, 200, `GET ${path}`);
          assert.deepEqual(await got.json(), body, `GET ${path}`);
        }
      }
      ran++;
    }
    const download = item.get?.["x-example-query"];
    if (download) {
      const answer = await fetch(`${base}${path}?${new URLSearchParams(download)}`);
      assert.equal(answer.status, 200, path);
      const type = Object.keys(item.get.responses["200"].content)[0];
      assert.ok(answer.headers.get("content-type").startsWith(type.split(";")[0]), path);
      assert.match(answer.headers.get("etag"), /^"[0-9a-f]{64}"$/);
      assert.ok((await answer.text()).length > 0, path);
      ran++;
    }
  }
  const withExamples = Object.values(doc.paths).filter((item) =>
    Object.values(item.post?.requestBody?.content ?? {}).some((m) => m.examples) || item.get?.["x-example-query"]);
  assert.equal(ran, withExamples.length);
  assert.ok(ran >= 17, `only ${ran} examples ran`);
});
