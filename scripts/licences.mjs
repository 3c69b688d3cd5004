#!/usr/bin/env node
// Checks the licence of every crate in Cargo.lock (all platforms, as `cargo metadata` lists
// them) against the allow-list in scripts/licences.allow. A crate passes when its SPDX
// expression can be satisfied with allowed licences: `A OR B` needs one of them, `A AND B`
// both, `A WITH exception` is judged by `A`. A crate with no SPDX expression, an unknown
// licence, or an expression that cannot be read fails the check and is named.
//
// Usage: node scripts/licences.mjs [allow-file]   (reads `cargo metadata --locked`)
//        node scripts/licences.mjs --self-test    (proves the evaluator refuses what it should)
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

function tokens(expr) {
  // Legacy crates write `MIT/Apache-2.0` for "either".
  return expr
    .replace(/\//g, " OR ")
    .replace(/\(/g, " ( ")
    .replace(/\)/g, " ) ")
    .split(/\s+/)
    .filter(Boolean);
}

// Recursive descent over: or := and ("OR" and)* ; and := atom ("AND" atom)* ;
// atom := "(" or ")" | id ["WITH" id]. Returns true when the allowed set satisfies it.
export function satisfied(expr, allowed) {
  const t = tokens(expr);
  let i = 0;
  const fail = (why) => {
    throw new Error(`cannot read licence expression "${expr}": ${why}`);
  };
  const atom = () => {
    const tok = t[i++];
    if (tok === undefined) fail("ends too early");
    if (tok === "(") {
      const v = or();
      if (t[i++] !== ")") fail("missing )");
      return v;
    }
    if (["AND", "OR", "WITH", ")"].includes(tok)) fail(`unexpected ${tok}`);
    if (t[i] === "WITH") {
      i++;
      if (t[i++] === undefined) fail("WITH without an exception");
    }
    return allowed.has(tok);
  };
  const and = () => {
    let v = atom();
    while (t[i] === "AND") {
      i++;
      v = atom() && v;
    }
    return v;
  };
  const or = () => {
    let v = and();
    while (t[i] === "OR") {
      i++;
      v = and() || v;
    }
    return v;
  };
  const v = or();
  if (i !== t.length) fail(`unexpected ${t[i]}`);
  return v;
}

function readAllow(file) {
  return new Set(
    readFileSync(file, "utf8")
      .split("\n")
      .map((l) => l.replace(/#.*/, "").trim())
      .filter(Boolean),
  );
}

function selfTest() {
  const allowed = new Set(["MIT", "Apache-2.0"]);
  const cases = [
    ["MIT", true],
    ["MIT OR GPL-3.0-only", true],
    ["MIT AND GPL-3.0-only", false],
    ["(MIT OR Apache-2.0) AND Unicode-3.0", false],
    ["GPL-3.0-only", false],
    ["MIT/Apache-2.0", true],
    ["Apache-2.0 WITH LLVM-exception OR GPL-2.0-only", true],
  ];
  for (const [expr, want] of cases) {
    if (satisfied(expr, allowed) !== want) throw new Error(`self-test: "${expr}" should be ${want}`);
  }
  for (const bad of ["MIT OR", "(MIT", "MIT Apache-2.0"]) {
    let threw = false;
    try {
      satisfied(bad, allowed);
    } catch {
      threw = true;
    }
    if (!threw) throw new Error(`self-test: "${bad}" should be unreadable`);
  }
  console.log("licence evaluator self-test passed");
}

function main() {
  if (process.argv[2] === "--self-test") return selfTest();
  const allowFile = process.argv[2] ?? join(here, "licences.allow");
  const allowed = readAllow(allowFile);
  const meta = JSON.parse(
    execFileSync("cargo", ["metadata", "--format-version", "1", "--locked"], {
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    }),
  );
  const ours = new Set(meta.workspace_members);
  const refused = [];
  const seen = new Map();
  for (const p of meta.packages) {
    const lic = p.license;
    let ok;
    try {
      ok = lic ? satisfied(lic, allowed) : false;
    } catch (e) {
      ok = false;
    }
    if (!ok) refused.push(`${p.name} ${p.version}: ${lic ?? "(no SPDX licence in Cargo.toml)"}${ours.has(p.id) ? " [ours]" : ""}`);
    seen.set(lic, (seen.get(lic) ?? 0) + 1);
  }
  console.log(`${meta.packages.length} crates, ${seen.size} distinct licence expressions, allow-list: ${[...allowed].join(", ")}`);
  if (refused.length) {
    console.error(`licences outside the allow-list (${allowFile}):`);
    for (const r of refused) console.error(`  ${r}`);
    process.exit(1);
  }
  console.log("every licence is on the allow-list");
}

main();
