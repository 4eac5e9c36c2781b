#!/usr/bin/env bash
# The one formatting commit: prettier over the whole repository (.prettierrc.json, .prettierignore), then the
# formatting check in `npm test` (scripts/lint.mjs) is turned on. Run ONCE, on main's tip, when nobody else has
# work to land: it touches most files. A branch still open afterwards formats the files it changed with the same
# config first (npx prettier --write <its changed files>), commits, then rebases.
#
#   cd <a clean checkout of main's tip> && bash scripts/format-all.sh    # then fast-forward main to it
#
# It changes whitespace, quotes and line breaks only; it checks that: typecheck, lint, the flow review pages (which
# must not change) and the unit tests run before it commits.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "$(git status --porcelain)" ]; then
  echo "format-all: the work tree has changes; commit or stash them first" >&2
  exit 2
fi
if grep -q '^const FORMAT_CHECK = true;' scripts/lint.mjs; then
  echo "format-all: already done (scripts/lint.mjs checks formatting)" >&2
  exit 2
fi

npx prettier --write --log-level warn .
sed -i 's/^const FORMAT_CHECK = false;/const FORMAT_CHECK = true;/' scripts/lint.mjs
sed -i "s/eslint (typescript-eslint recommended) and, once enabled, prettier's check/eslint (typescript-eslint recommended) and prettier's check/" README.md
npx prettier --write --log-level warn scripts/lint.mjs

npx tsc -p tsconfig.json
node scripts/check-imports.mjs
node scripts/lint.mjs
for app in apps/*/; do
  npx tsx packages/runtime/src/review/cli.ts "$(basename "$app")" --check
done
node scripts/test.mjs --unit

git add -A
git commit -q -m "format: prettier over the repository (150 columns, single quotes; whitespace, quotes and line breaks only) in one commit; npm test now checks formatting (scripts/lint.mjs)"
formatted=$(git rev-parse HEAD)
printf '# Formatting-only commits: git blame --ignore-revs-file .git-blame-ignore-revs (or git config blame.ignoreRevsFile .git-blame-ignore-revs)\n%s\n' "$formatted" >> .git-blame-ignore-revs
git add .git-blame-ignore-revs
git commit -q -m "git blame skips the formatting commit ${formatted:0:10} (.git-blame-ignore-revs)"
echo "format-all: committed ${formatted:0:10} and the blame-ignore entry; land this branch now"
