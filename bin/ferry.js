#!/usr/bin/env node
// The `ferry` command. Node 24 runs the TypeScript sources directly (type stripping).
import '../main/cli/index.ts';
