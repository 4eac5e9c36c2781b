/**
 * The prompts each app's flows declare in `setup({ prompts })` (against which the compiler checks every literal
 * `play()`) are files in the app's prompts/ folder, so a name that compiles is also a prompt that plays.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyStateMachine } from 'xstate';
import { declaredPrompts } from '../packages/runtime/src/flow/index.js';

const appsDir = resolve(import.meta.dirname, '..', 'apps');

test("every prompt a flow declares is a file in its app's prompts/ folder", async () => {
  const declared: string[] = [];
  const missing: string[] = [];
  for (const app of readdirSync(appsDir)) {
    const entry = join(appsDir, app, 'src', 'index.ts');
    if (!existsSync(entry)) continue;
    const mod = (await import(pathToFileURL(entry).href)) as { default?: { flows?: Record<string, AnyStateMachine> } };
    for (const [flow, machine] of Object.entries(mod.default?.flows ?? {})) {
      for (const prompt of declaredPrompts(machine) ?? []) {
        declared.push(`${app}/${flow}/${prompt}`);
        if (!existsSync(join(appsDir, app, 'prompts', prompt)))
          missing.push(`${app}: flow ${flow} declares '${prompt}', not in apps/${app}/prompts/`);
      }
    }
  }
  assert.deepEqual(missing, []);
  // quizconnect's two flows and the IVR declare theirs (the check is not vacuous).
  assert.ok(declared.includes('quizconnect/quizconnect_caller/welcome_caller.wav'), declared.join(', '));
  assert.ok(declared.includes('quizconnect/quizconnect_callee/sorry_pin_wrong.wav'), declared.join(', '));
  assert.ok(declared.includes('example-ivr/ivr/goodbye.wav'), declared.join(', '));
});
