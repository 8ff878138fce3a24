#!/usr/bin/env node
// `npx just` → the just binary from the npm package for this platform. The rust-just meta package
// is not used: it lists a binary package for every platform, and a registry that lacks some of
// them (as the one this project is built against does) makes `npm ci` reject the lock file.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const pkg = `rust-just-${process.platform}-${process.arch}`;
let binary;
try {
  binary = require.resolve(`${pkg}/bin/just`);
} catch {
  console.error(`just: no ${pkg} package in node_modules; install just from https://just.systems instead`);
  process.exit(127);
}
const run = spawnSync(binary, process.argv.slice(2), { stdio: "inherit" });
if (run.error) throw run.error;
process.exit(run.status ?? 1);
