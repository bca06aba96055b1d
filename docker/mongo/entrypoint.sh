#!/bin/sh
# Entry point of the MongoDB replica-set members of docker/compose.yaml (official mongo image, started as root
# like the image's own entry point, which then drops to the user mongodb).
#
# mongod refuses a key file that others can read, and compose (without swarm) mounts secrets with the host
# file's owner and mode; so the key file is copied to a tmpfs, owned by mongodb, mode 0400. Then the image's
# own entry point starts mongod with the arguments of compose.yaml.
set -eu
[ -r /run/secrets/mongo_keyfile ] || { echo "mongo-entrypoint: compose secret mongo_keyfile is missing" >&2; exit 1; }
mkdir -p /run/mongo
cp /run/secrets/mongo_keyfile /run/mongo/keyfile
chown mongodb:mongodb /run/mongo /run/mongo/keyfile
chmod 0700 /run/mongo
chmod 0400 /run/mongo/keyfile
exec docker-entrypoint.sh "$@"
