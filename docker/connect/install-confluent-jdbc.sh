#!/bin/sh
# Build step of docker/connect/Dockerfile: OPTIONALLY installs Confluent's JDBC connector
# (io.confluent.connect.jdbc.JdbcSinkConnector, Confluent Community License) into the plugin path, for
# connect-configs/alternatives/mysql-sink.confluent-jdbc.json. The project does not ship it and cannot
# download it; you bring the archive (the Confluent Hub / Marketplace zip of confluentinc-kafka-connect-jdbc).
#
#   install-confluent-jdbc.sh SOURCE SHA256 PLUGIN_PATH
#     SOURCE   ""             do nothing (the default: Debezium's JDBC sink is the sink of this image)
#              FILE.zip       a file you put in docker/connect/extra/ (copied to /opt/connect/extra/)
#              https://...    downloaded at build time (needs wget or curl in the base image)
#     SHA256   the archive's sha256; required for a URL, checked when given for a file
#
# MySQL Connector/J is not in Confluent's archive: the one pinned in the root pom.xml (already in
# debezium-connector-jdbc/) is copied next to it. Then Kafka's connect-plugin-path tool adds the
# ServiceLoader manifests the worker's plugin.discovery=service_load needs, without touching other plugins.
set -eu
source="${1:-}" sha256="${2:-}" plugins="${3:-/opt/connect/plugins}"
extra=/opt/connect/extra
die() { echo "install-confluent-jdbc: $*" >&2; exit 1; }

if [ -z "$source" ]; then
  echo "install-confluent-jdbc: CONFLUENT_JDBC_SOURCE is empty: not installed (Debezium's JDBC sink is the default)"
  exit 0
fi

work="$(mktemp -d)"
archive="$work/confluent-jdbc.zip"
case "$source" in
  https://*)
    [ -n "$sha256" ] || die "CONFLUENT_JDBC_SHA256 is required with a URL"
    if command -v wget > /dev/null 2>&1; then wget -q -O "$archive" "$source"
    elif command -v curl > /dev/null 2>&1; then curl -fsSL -o "$archive" "$source"
    else die "neither wget nor curl in the base image: put the zip in docker/connect/extra/ and pass its file name"
    fi ;;
  http://*) die "refusing a plain-http URL: use https:// or a local file" ;;
  */*|..*) die "give the file name of a zip in docker/connect/extra/, not a path: $source" ;;
  *)
    [ -f "$extra/$source" ] || die "docker/connect/extra/$source not found (see docker/connect/extra/README.md)"
    cp "$extra/$source" "$archive" ;;
esac

if [ -n "$sha256" ]; then
  echo "$sha256  $archive" | sha256sum -c - > /dev/null || die "sha256 of $source is not $sha256"
fi

mkdir "$work/unpacked"
unzip -q "$archive" -d "$work/unpacked"
# the Confluent Hub layout: one top folder holding lib/ with the connector's jars
top="$(find "$work/unpacked" -mindepth 1 -maxdepth 1 -type d | head -1)"
[ -n "$top" ] && [ -d "$top/lib" ] || die "$source is not a Confluent Hub component archive (no <folder>/lib/)"
ls "$top/lib"/kafka-connect-jdbc-*.jar > /dev/null 2>&1 || die "$source holds no kafka-connect-jdbc-*.jar"
target="$plugins/confluentinc-kafka-connect-jdbc"
rm -rf "$target"
mkdir -p "$target"
cp "$top/lib"/*.jar "$target/"
for f in LICENSE LICENSE.txt README.md manifest.json; do [ -f "$top/$f" ] && cp "$top/$f" "$target/"; done
# the worker provides Kafka's own jars and slf4j: never a second copy inside a plugin folder
rm -f "$target"/kafka-clients-*.jar "$target"/connect-api-*.jar "$target"/slf4j-api-*.jar
cp "$plugins"/debezium-connector-jdbc/mysql-connector-j-*.jar "$plugins"/debezium-connector-jdbc/protobuf-java-*.jar "$target/"

/opt/kafka/bin/connect-plugin-path.sh sync-manifests --plugin-path "$plugins" --keep-not-found
rm -rf "$work"
echo "install-confluent-jdbc: installed $(ls "$target" | grep -c '\.jar$') jars into $target"
