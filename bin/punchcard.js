#!/usr/bin/env node
// Punchcard runs its TypeScript directly, which needs Node 22.18 or later.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(`punchcard needs Node.js 22.18 or later; this is ${process.version}. Use "npm start" / "npm run punchcard", which bring their own Node.`);
  process.exit(1);
}
await import('../src/cli/main.ts');
