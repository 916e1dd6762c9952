#!/usr/bin/env bash
# Compiles and runs tests/clients/jdbc/MeshJdbc.java (and MetaData.java) with pgjdbc (Debian
# libpostgresql-jdbc-java) against a running meshgate (MESHGATE_HOST/MESHGATE_PORT).
#   cargo run -- serve &   tests/clients/jdbc.sh
set -euo pipefail
JAR="${PGJDBC_JAR:-/usr/share/java/postgresql.jar}"
[[ -f "$JAR" ]] || { echo "FAIL: $JAR is missing: apt-get install libpostgresql-jdbc-java" >&2; exit 1; }
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
javac -d "$OUT" -cp "$JAR" "$(dirname "$0")"/jdbc/*.java
java -cp "$OUT:$JAR" MeshJdbc
