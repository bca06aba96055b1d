#!/bin/sh
# Entry point of the Kafka nodes of docker/compose.yaml (official apache/kafka image, run as its user appuser).
#
# 1. renders /opt/mongorow/kafka/server.properties.template into /run/kafka/server.properties (a tmpfs), with
#    the node id from KAFKA_NODE_ID and the passwords from the compose secrets in /run/secrets;
# 2. formats the storage on first start (KRaft), writing the SCRAM-SHA-512 users into the bootstrap metadata:
#    broker (inter-broker), admin (operations, kafka-init), connect (the Connect workers), airflow (Airflow);
# 3. writes /run/kafka/client.properties (user broker) for the health check;
# 4. execs the broker.
set -eu

: "${KAFKA_NODE_ID:?KAFKA_NODE_ID is required (1, 2 or 3)}"
: "${KAFKA_EXTERNAL_PORT:?KAFKA_EXTERNAL_PORT is required}"
# the paths of the container (overridable only so that docker/tests can run this script outside a container)
secrets="${MONGOROW_SECRETS_MOUNT:-/run/secrets}"
conf="${MONGOROW_KAFKA_RUN_DIR:-/run/kafka}"
data="${MONGOROW_KAFKA_DATA_DIR:-/var/lib/kafka/data}"
kafka_home="${MONGOROW_KAFKA_HOME:-/opt/kafka}"
template="${MONGOROW_KAFKA_TEMPLATE:-/opt/mongorow/kafka/server.properties.template}"

die() { echo "kafka-entrypoint: $*" >&2; exit 1; }

# secret NAME: the content of /run/secrets/NAME without line breaks; only [A-Za-z0-9._~-] (safe in
# properties, JAAS and sed without escaping)
secret() {
  [ -r "$secrets/$1" ] || die "compose secret $1 is missing (docker/gen-dev-secrets.sh creates it)"
  v="$(tr -d '\r\n' < "$secrets/$1")"
  [ -n "$v" ] || die "compose secret $1 is empty"
  case "$v" in
    *[!A-Za-z0-9._~-]*) die "compose secret $1 holds characters outside [A-Za-z0-9._~-]" ;;
  esac
  printf '%s' "$v"
}

mkdir -p "$conf"
umask 077
store_pw="$(secret tls_store_password)"
broker_pw="$(secret kafka_broker_password)"
sed -e "s|@@NODE_ID@@|$KAFKA_NODE_ID|g" \
    -e "s|@@EXTERNAL_PORT@@|$KAFKA_EXTERNAL_PORT|g" \
    -e "s|@@TLS_STORE_PASSWORD@@|$store_pw|g" \
    -e "s|@@BROKER_PASSWORD@@|$broker_pw|g" \
    "$template" > "$conf/server.properties"
if grep -q '@@[A-Z_]*@@' "$conf/server.properties"; then
  die "unfilled placeholders in server.properties: $(grep -o '@@[A-Z_]*@@' "$conf/server.properties" | sort -u | tr '\n' ' ')"
fi

cat > "$conf/client.properties" <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="$broker_pw";
ssl.truststore.type=PEM
ssl.truststore.location=/run/secrets/ca.crt
PROPS

if [ ! -f "$data/meta.properties" ]; then
  echo "kafka-entrypoint: formatting the storage of node $KAFKA_NODE_ID (first start)"
  "$kafka_home/bin/kafka-storage.sh" format --ignore-formatted \
    --config "$conf/server.properties" \
    --cluster-id "$(secret kafka_cluster_id)" \
    --add-scram "SCRAM-SHA-512=[name=broker,password=$broker_pw]" \
    --add-scram "SCRAM-SHA-512=[name=admin,password=$(secret kafka_admin_password)]" \
    --add-scram "SCRAM-SHA-512=[name=connect,password=$(secret kafka_connect_password)]" \
    --add-scram "SCRAM-SHA-512=[name=airflow,password=$(secret kafka_airflow_password)]"
fi

export KAFKA_OPTS="${KAFKA_OPTS:-} -Dorg.apache.kafka.disallowed.login.modules=com.sun.security.auth.module.JndiLoginModule,com.sun.security.auth.module.LdapLoginModule"
exec "$kafka_home/bin/kafka-server-start.sh" "$conf/server.properties"
