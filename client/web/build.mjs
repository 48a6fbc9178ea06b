// Bundles the explorer for the server to serve at /: src/main.ts (with the
// generated client, connect-web and Chart.js) into explorer.js, beside
// index.html and explorer.css, in the directory given (default dist/).
// Nothing is fetched at run time: the page loads only these three files.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const out = process.argv[2] ?? "dist";
mkdirSync(out, { recursive: true });
await build({
  entryPoints: ["src/main.ts"],
  bundle: true,
  minify: true,
  sourcemap: false,
  format: "esm",
  target: ["es2022"],
  outfile: join(out, "explorer.js"),
  legalComments: "eof",
  logLevel: "warning",
});
for (const file of ["index.html", "explorer.css"]) {
  copyFileSync(join("static", file), join(out, file));
}
