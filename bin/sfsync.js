#!/usr/bin/env node
// Entry point for a global install: runs the TypeScript CLI under Node's type stripping (Node >= 22.18).
import '../src/cli/main.ts'
