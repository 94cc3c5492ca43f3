// Validates an exported app as `zapier validate` does: zapier-platform-schema's validation of the app's
// definition, then zapier-platform-core's own compile-and-validate. Writes {schema: [...], core: [...], definition} to
// the file named by the second argument.
'use strict';
const path = require('path');
const { createRequire } = require('module');

const appDir = path.resolve(process.argv[2]);
const appRequire = createRequire(path.join(appDir, 'index.js'));
const { validateAppDefinition } = appRequire('zapier-platform-schema');
const schemaTools = appRequire('zapier-platform-core/src/tools/schema');

const app = appRequire('./index.js');
const compiled = schemaTools.compileApp(app);
const serialized = schemaTools.serializeApp(compiled);
const schema = validateAppDefinition(serialized).errors.map((e) => `${e.property}: ${e.message}`);
const core = schemaTools.validateApp(compiled).map((e) => `${e.property}: ${e.message}`);
require('fs').writeFileSync(process.argv[3], JSON.stringify({ schema, core, definition: serialized }));
