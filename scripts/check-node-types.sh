#!/usr/bin/env bash
# Typechecks the whole project against the Node.js 22 and 24 type definitions (@types/node),
# for the Node versions this machine cannot run: an API removed or changed there fails here.
# Needs the npm registry; installs into a temporary folder, changes nothing in the project.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/bdd-matrix-node-types-XXXXXX")
trap 'rm -rf "$work"' EXIT
for major in 22 24; do
  mkdir -p "$work/$major"
  npm install --prefix "$work/$major" --no-audit --no-fund --no-save --loglevel=error "@types/node@$major" >/dev/null
  cat >"$work/tsconfig.$major.json" <<JSON
{ "extends": "$PWD/tsconfig.json",
  "compilerOptions": { "typeRoots": ["$work/$major/node_modules/@types"], "types": ["node"] },
  "include": ["$PWD/src", "$PWD/steps", "$PWD/reporters", "$PWD/hub", "$PWD/environments", "$PWD/bench", "$PWD/test"] }
JSON
  version=$(node -p "require('$work/$major/node_modules/@types/node/package.json').version")
  npx tsc --noEmit -p "$work/tsconfig.$major.json"
  echo "typecheck against @types/node $version: clean"
done
