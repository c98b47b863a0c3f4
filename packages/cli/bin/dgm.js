#!/usr/bin/env node
// The `dgm` command. This file is committed (not built) so that npm can link the bin during
// `npm ci`, before the root `prepare` script has compiled dist/: npm skips bins whose target
// does not exist yet, which would leave a fresh clone without `npx dgm`.
await import('../dist/main.js');
