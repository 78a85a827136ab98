#!/usr/bin/env bash
# tests/demo.sh: what `./quickstart demo` runs once the build is done.
echo "demo: not yet wired"
