// The process-level tests run the built service (node dist/main.js), so build it once per test run.
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = async function buildDist() {
  const root = join(__dirname, '..', '..');
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
};
