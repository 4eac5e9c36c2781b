// npm run lint — typescript-eslint's recommended rules over the TypeScript, the scripts and the admin web page.
// Formatting is prettier's job (.prettierrc.json); eslint-config-prettier turns off every rule that would fight it.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.test-tmp/**',
      // The DSM importer's expected output: generated code, checked by comparing it with what the importer writes.
      'packages/dsm-import/test/snapshots/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: globals.node },
    rules: {
      // `_`-prefixed names are deliberately unused (a positional argument, a compile-time check).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // The admin web page runs in the browser.
    files: ['packages/runtime/src/server/admin/web/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    // Tests read JSON answers and fixtures loosely; type-level tests declare values only for their types.
    files: ['**/test/**/*.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.types.test.ts'],
    rules: { 'no-constant-condition': 'off', '@typescript-eslint/no-unused-vars': 'off' },
  },
  {
    // The flow DSL's type machinery: `{}` is the identity of an intersection (no invoked children, no prompts).
    files: ['packages/runtime/src/flow/flow-setup.ts'],
    rules: { '@typescript-eslint/no-empty-object-type': 'off' },
  },
);
