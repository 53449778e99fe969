#!/usr/bin/env bash
# Builds the documentation site (the guides and the API reference generated from the library's XML docs)
# into docs/_site with docfx, the local tool pinned in .config/dotnet-tools.json. Fails on any docfx warning:
# a broken cref, link or xref in the XML docs or the guides is an error.
#
#   docs/build-api.sh            build docs/_site
#   docs/build-api.sh --serve    build, then serve it on http://localhost:8080
set -euo pipefail

cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
rm -rf docs/_api docs/_site
dotnet docfx docs/docfx.json --warningsAsErrors "$@"
