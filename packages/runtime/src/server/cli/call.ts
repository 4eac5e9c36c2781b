#!/usr/bin/env node
// npm run call — see docs/operations.md.
import { runCli, callCommand } from '../admin/cli-commands.js';

await runCli(callCommand);
