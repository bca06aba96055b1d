#!/bin/sh
# One-shot job of docker/compose.yaml (service mongo-init, official mongo image), run in the network namespace
# of mongo-1 (network_mode: service:mongo-1), so that it reaches mongo-1 as localhost: on first start, the
# localhost exception of MongoDB lets it initiate the replica set and create the first (root) user.
# Then, authenticated as that user, it creates or updates the least-privilege users:
#   mongorow_sink     readWrite on the database pipeline            (MongoSinkConnector)
#   mongorow_source   find + changeStream on pipeline (role mongorowChangeStreamReader)  (MongoSourceConnector)
#   mongorow_airflow  read on pipeline                              (Airflow ingest DAG: reconcile)
# Idempotent: run it again after changing a password secret.
set -eu
secrets=/run/secrets
die() { echo "mongo-init: $*" >&2; exit 1; }
secret() {
  v="$(tr -d '\r\n' < "$secrets/$1")" || die "compose secret $1 is missing"
  case "$v" in ''|*[!A-Za-z0-9._~-]*) die "compose secret $1 is empty or holds characters outside [A-Za-z0-9._~-]" ;; esac
  printf '%s' "$v"
}
rs="${MONGO_REPLICA_SET:-rs0}"
root_user="${MONGO_ROOT_USER:-root}"
root_pw="$(secret mongo_root_password)"
tls="--tls --tlsCAFile /run/secrets/ca.crt"

echo "mongo-init: waiting for mongo-1"
i=0
until mongosh --quiet $tls --host localhost --eval 'db.adminCommand({ping: 1}).ok' > /dev/null 2>&1; do
  i=$((i + 1)); [ "$i" -lt 60 ] || die "mongo-1 did not answer within 2 minutes"; sleep 2
done

# 1. replica set and root user, through the localhost exception (only while no user exists)
if ! mongosh --quiet $tls --host localhost -u "$root_user" -p "$root_pw" --authenticationDatabase admin \
    --eval 'db.adminCommand({ping: 1}).ok' > /dev/null 2>&1; then
  echo "mongo-init: no root user yet: initiating replica set $rs and creating $root_user (localhost exception)"
  init_js="$(cat <<'JS'
const rs0 = process.env.RS;
try {
  rs.initiate({_id: rs0, members: [
    {_id: 0, host: "mongo-1:27017", priority: 2},
    {_id: 1, host: "mongo-2:27017", priority: 1},
    {_id: 2, host: "mongo-3:27017", priority: 1}]});
} catch (e) {
  if (!/already initialized/i.test(String(e))) { throw e; }  // a second run after a partial first one
}
for (let i = 0; i < 120 && !db.hello().isWritablePrimary; i++) { sleep(1000); }
if (!db.hello().isWritablePrimary) { throw new Error("mongo-1 did not become primary"); }
db.getSiblingDB("admin").createUser({user: process.env.ROOT_USER, pwd: process.env.ROOT_PW, roles: ["root"]});
JS
)"
  RS="$rs" ROOT_USER="$root_user" ROOT_PW="$root_pw" mongosh --quiet $tls --host localhost --eval "$init_js"
fi

# 2. the pipeline's users, as root (created, or their passwords and roles brought up to date)
users_js="$(cat <<'JS'
const admin = db.getSiblingDB("admin");
function ensureRole(name, privileges) {
  if (admin.getRole(name)) { admin.updateRole(name, {privileges: privileges, roles: []}); }
  else { admin.createRole({role: name, privileges: privileges, roles: []}); }
}
function ensureUser(name, pwd, roles) {
  if (admin.getUser(name)) { admin.updateUser(name, {pwd: pwd, roles: roles}); }
  else { admin.createUser({user: name, pwd: pwd, roles: roles}); }
  print("mongo-init: user " + name + ": " + JSON.stringify(roles));
}
// change streams on the database pipeline (and the find that fullDocument=updateLookup needs), nothing else
ensureRole("mongorowChangeStreamReader", [
  {resource: {db: "pipeline", collection: ""}, actions: ["find", "changeStream"]}]);
ensureUser("mongorow_sink", process.env.SINK_PW, [{role: "readWrite", db: "pipeline"}]);
ensureUser("mongorow_source", process.env.SOURCE_PW, [{role: "mongorowChangeStreamReader", db: "admin"}]);
ensureUser("mongorow_airflow", process.env.AIRFLOW_PW, [{role: "read", db: "pipeline"}]);
JS
)"
SINK_PW="$(secret mongo_sink_password)" SOURCE_PW="$(secret mongo_source_password)" \
AIRFLOW_PW="$(secret mongo_airflow_password)" \
mongosh --quiet $tls "mongodb://localhost:27017/admin?replicaSet=$rs" \
  -u "$root_user" -p "$root_pw" --authenticationDatabase admin --eval "$users_js"
echo "mongo-init: replica set $rs and users in place"
