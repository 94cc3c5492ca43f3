// Runs one method of an exported app through zapier-platform-core's app tester, as Zapier runs it.
// Usage: node tester.js APP_DIR OUT_FILE < {"method": "triggers.deal_won.operation.perform", "bundle": {...}}
// Writes {"ok": true, "result": ...} or {"ok": false, "error": {"name", "message"}} to OUT_FILE (core
// prints its own diagnostics on stdout).
'use strict';
const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

const appDir = path.resolve(process.argv[2]);
const appRequire = createRequire(path.join(appDir, 'index.js'));
const zapier = appRequire('zapier-platform-core');
const app = appRequire('./index.js');

const read = async () => {
  let text = '';
  for await (const chunk of process.stdin) {
    text += chunk;
  }
  return JSON.parse(text);
};

const main = async () => {
  const { method, bundle } = await read();
  const appTester = zapier.createAppTester(app);
  try {
    const target = method.split('.').reduce((node, name) => node[name], app);
    const result = await appTester(target, bundle);
    fs.writeFileSync(process.argv[3], JSON.stringify({ ok: true, result: result === undefined ? null : result }));
  } catch (err) {
    fs.writeFileSync(process.argv[3], JSON.stringify({ ok: false, error: { name: err.name, message: err.message } }));
  }
};

main();
