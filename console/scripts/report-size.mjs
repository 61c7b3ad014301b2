// Prints the JavaScript the first screen loads, gzipped: the entry chunk, what it imports
// statically (index.html's script and modulepreload links) and the chunk of the landing
// route (the projects list). Fails the build above the budget.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const BUDGET = 150 * 1024;
const dist = new URL("../dist/", import.meta.url).pathname;
const html = readFileSync(join(dist, "index.html"), "utf8");
const LANDING = /^ProjectsList-.*\.js$/;
const all = readdirSync(join(dist, "assets")).filter((f) => f.endsWith(".js"));
const first = [
  ...[...html.matchAll(/(?:src|href)="\/console\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]),
  ...all.filter((f) => LANDING.test(f)).map((f) => `assets/${f}`),
];
const size = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
const firstBytes = first.reduce((sum, file) => sum + size(file), 0);
const lazyBytes = all.filter((f) => !first.includes(`assets/${f}`)).reduce((s, f) => s + size(`assets/${f}`), 0);
const report = {
  first_screen_js_gzip_bytes: firstBytes,
  first_screen_js_files: first,
  lazy_js_gzip_bytes: lazyBytes,
  budget_bytes: BUDGET,
};
console.log(JSON.stringify(report));
if (firstBytes > BUDGET) {
  console.error(`the first screen's JavaScript is ${firstBytes} bytes gzipped, over the ${BUDGET} budget`);
  process.exit(1);
}
