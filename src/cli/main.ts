#!/usr/bin/env node
// The `rivulet` command. Until the broker lands, `serve` reports what is built and exits 0.
import { crc32c } from "../core/index.js";

const [command = "serve"] = process.argv.slice(2);
const check = crc32c(new TextEncoder().encode("123456789")).toString(16);
console.log(
  JSON.stringify({ msg: "rivulet", command, built: ["wasm core"], crc32cCheck: check }),
);
