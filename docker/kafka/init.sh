#!/bin/sh
# One-shot job of docker/compose.yaml (service kafka-init, official apache/kafka image): creates the topics of
# the pipeline and the ACLs of the users connect and airflow, as user admin. Idempotent: run it again after
# changing a partition count (partitions can only grow) or an ACL.
#
# Topics (the brokers have auto.create.topics.enable=false):
#   raw.users, raw.transactions                  RAW_TOPIC_PARTITIONS (default 6): producers' input
#   mongo.pipeline.users, mongo.pipeline.transactions   CHANGE_TOPIC_PARTITIONS (default 6): change events
#   __mongodb_heartbeats                         1 partition, 1 day: mongo-source heartbeats
# Connect creates its own internal topics (mongorow-connect-*) and the dead-letter topics (dlq.*).
set -eu

secrets=/run/secrets
conf=/tmp/kafka-init
bootstrap="${KAFKA_BOOTSTRAP_SERVERS:-kafka-1:9092,kafka-2:9092,kafka-3:9092}"
raw_partitions="${RAW_TOPIC_PARTITIONS:-6}"
change_partitions="${CHANGE_TOPIC_PARTITIONS:-6}"
retention_ms="${TOPIC_RETENTION_MS:-604800000}"
export KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx256m}"

die() { echo "kafka-init: $*" >&2; exit 1; }
secret() {
  v="$(tr -d '\r\n' < "$secrets/$1")" || die "compose secret $1 is missing"
  case "$v" in ''|*[!A-Za-z0-9._~-]*) die "compose secret $1 is empty or holds characters outside [A-Za-z0-9._~-]" ;; esac
  printf '%s' "$v"
}

umask 077
mkdir -p "$conf"
cat > "$conf/admin.properties" <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(secret kafka_admin_password)";
ssl.truststore.type=PEM
ssl.truststore.location=/run/secrets/ca.crt
PROPS
admin="--bootstrap-server $bootstrap --command-config $conf/admin.properties"

echo "kafka-init: waiting for the brokers ($bootstrap)"
i=0
until /opt/kafka/bin/kafka-topics.sh $admin --list > /dev/null 2>&1; do
  i=$((i + 1))
  [ "$i" -lt 60 ] || die "the brokers did not answer within 5 minutes"
  sleep 5
done

# topic NAME PARTITIONS [--config k=v ...]: create it, or grow it to PARTITIONS
topic() {
  name="$1" partitions="$2"; shift 2
  /opt/kafka/bin/kafka-topics.sh $admin --create --if-not-exists --topic "$name" \
    --partitions "$partitions" --replication-factor 3 --config min.insync.replicas=2 "$@"
  current="$(/opt/kafka/bin/kafka-topics.sh $admin --describe --topic "$name" | sed -n 's/.*PartitionCount: *\([0-9]*\).*/\1/p' | head -1)"
  if [ -n "$current" ] && [ "$current" -lt "$partitions" ]; then
    echo "kafka-init: $name: $current -> $partitions partitions"
    /opt/kafka/bin/kafka-topics.sh $admin --alter --topic "$name" --partitions "$partitions"
  fi
}

topic raw.users "$raw_partitions" --config retention.ms="$retention_ms"
topic raw.transactions "$raw_partitions" --config retention.ms="$retention_ms"
topic mongo.pipeline.users "$change_partitions" --config retention.ms="$retention_ms"
topic mongo.pipeline.transactions "$change_partitions" --config retention.ms="$retention_ms"
topic __mongodb_heartbeats 1 --config retention.ms=86400000

# acl PRINCIPAL RESOURCE-OPTIONS -- OPERATIONS...
acl() {
  principal="$1"; shift
  /opt/kafka/bin/kafka-acls.sh $admin --add --allow-principal "User:$principal" "$@" > /dev/null
}

# connect: the workers' group and internal topics, the connectors' topics, the sinks' consumer groups
# (connect-<connector name>), the dead-letter topics it creates
acl connect --group mongorow-connect --operation All
acl connect --group connect- --resource-pattern-type prefixed --operation All
acl connect --topic mongorow-connect- --resource-pattern-type prefixed --operation All
acl connect --topic raw. --resource-pattern-type prefixed --operation Read --operation Describe
acl connect --topic mongo. --resource-pattern-type prefixed --operation All
acl connect --topic __mongodb_heartbeats --operation Write --operation Describe
acl connect --topic dlq. --resource-pattern-type prefixed --operation All

# airflow: produces to the raw topics (ingest DAG); reads metadata, offsets and the sinks' committed
# offsets for lag and dead-letter depth (monitor DAG); nothing else
acl airflow --topic raw. --resource-pattern-type prefixed --operation Write --operation Describe
acl airflow --topic mongo. --resource-pattern-type prefixed --operation Describe
acl airflow --topic dlq. --resource-pattern-type prefixed --operation Describe
acl airflow --group connect- --resource-pattern-type prefixed --operation Describe

echo "kafka-init: topics and ACLs in place"
/opt/kafka/bin/kafka-topics.sh $admin --list
