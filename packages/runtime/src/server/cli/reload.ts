#!/usr/bin/env node
// npm run reload — see docs/operations.md.
import { runCli, reloadCommand } from '../admin/cli-commands.js';

await runCli(reloadCommand);
