#!/usr/bin/env node
// npm run calls — see docs/operations.md.
import { runCli, callsCommand } from '../admin/cli-commands.js';

await runCli(callsCommand);
