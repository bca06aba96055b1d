#!/usr/bin/env bash
# Manual smoke test of docker/'s Kafka and Connect configuration WITHOUT a Docker engine: runs the real entry
# points of docker/kafka and docker/connect with Kafka's jars from the local Maven repository (the class path
# the local stack uses), on loopback and shifted ports, as ONE Kafka node. Not part of `./pipeline test`
# (several JVMs, minutes of CPU); run it after changing a template, an entry point or kafka/init.sh:
#
#   mvn -B -DskipTests install -pl local-stack,connect-plugins -am      # class path list + plugin bundle
#   docker/tests/smoke-from-jars.sh [WORK_DIR]                          # default: a new temporary folder
#
# What it exercises for real: server.properties (SASL_SSL + SCRAM listeners, mutual-TLS controller listener,
# principal mapping, StandardAuthorizer and super users), storage format with the SCRAM users, the health
# check command, kafka/init.sh (topics and ACLs over SASL_SSL as admin), the Connect worker (HTTPS REST,
# basic auth, SASL_SSL as user connect under those ACLs, config providers, our plugin bundle), the REST
# security (401 without or with wrong credentials, no plain HTTP, /admin off), validation of the connectors
# rendered with the docker overlay, and the ACLs of user airflow (may produce to raw.*, may not consume).
# What it changes for a single node on loopback (and nothing else): host names -> localhost, ports 2909x/28083,
# replication factors and min ISR -> 1, /run/secrets -> the generated secrets, the plugin path, the
# connector-secrets folder. MongoDB and MySQL are not started: their connectors are validated only.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
docker_dir="$(cd "$here/.." && pwd)"
repo="$(cd "$docker_dir/.." && pwd)"
work="${1:-$(mktemp -d -t mongorow-smoke-XXXXXX)}"
classpath_file="$repo/local-stack/target/generated-resources/classpath/dev/mongorow/stack/classpath/kafka.txt"
plugins="$repo/connect-plugins/target/plugins"
venv_python="$repo/.venv/bin/python"
say() { printf '[smoke] %s\n' "$*"; }
fail() { printf '[smoke] FAILED: %s\n' "$*" >&2; exit 1; }

[[ -f "$classpath_file" ]] || fail "$classpath_file missing: mvn -B -DskipTests install -pl local-stack -am"
[[ -d "$plugins" ]] || fail "$plugins missing: mvn -B -DskipTests package -pl connect-plugins -am"
[[ -x "$venv_python" ]] || fail "$venv_python missing: airflow/bootstrap.sh"
CP="$(cat "$classpath_file")"
mkdir -p "$work"/{kh/bin,data,run-kafka,run-connect,connect-home/config,connector-secrets,logs,init}
secrets="$work/secrets"
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 3
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

say "work folder $work"
SECRETS_DIR="$secrets" "$docker_dir/gen-dev-secrets.sh" > "$work/logs/gen-dev-secrets.log"

cat > "$work/log4j2.properties" <<'EOF'
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
EOF
# stand-ins for the scripts of Kafka's distribution, on the jars
tool() {
  printf '#!/bin/sh\nexec java -Xmx%s -XX:+UseSerialGC -XX:TieredStopAtLevel=1 $KAFKA_OPTS -Dlog4j2.configurationFile=%s -cp "%s" %s "$@"\n' \
    "$2" "$work/log4j2.properties" "$CP" "$3" > "$work/kh/bin/$1"
  chmod +x "$work/kh/bin/$1"
}
tool kafka-storage.sh 256m kafka.tools.StorageTool
tool kafka-server-start.sh 512m kafka.Kafka
tool kafka-topics.sh 128m org.apache.kafka.tools.TopicCommand
tool kafka-acls.sh 128m org.apache.kafka.tools.AclCommand
tool kafka-broker-api-versions.sh 96m org.apache.kafka.tools.BrokerApiVersionsCommand
tool kafka-console-producer.sh 128m org.apache.kafka.tools.ConsoleProducer
tool kafka-console-consumer.sh 128m org.apache.kafka.tools.consumer.ConsoleConsumer
tool connect-distributed.sh 768m org.apache.kafka.connect.cli.ConnectDistributed

# ---- Kafka: the real entry point on a single-node variant of the template
sed -e 's/^controller.quorum.voters=.*/controller.quorum.voters=1@localhost:29093/' \
    -e 's#^listeners=.*#listeners=INTERNAL://localhost:29091,CLIENT://localhost:29092,CONTROLLER://localhost:29093,EXTERNAL://localhost:29094#' \
    -e 's#^advertised.listeners=.*#advertised.listeners=INTERNAL://localhost:29091,CLIENT://localhost:29092,EXTERNAL://localhost:@@EXTERNAL_PORT@@#' \
    -e "s#/run/secrets/#$secrets/#g" -e "s#^log.dirs=.*#log.dirs=$work/data#" \
    -e 's/replication.factor=3/replication.factor=1/' -e 's/min.isr=2/min.isr=1/' -e 's/^min.insync.replicas=2/min.insync.replicas=1/' \
    "$docker_dir/kafka/server.properties.template" > "$work/server.properties.template"
say "starting Kafka (docker/kafka/entrypoint.sh)"
env -i PATH="$PATH" KAFKA_NODE_ID=1 KAFKA_EXTERNAL_PORT=29094 MONGOROW_SECRETS_MOUNT="$secrets" \
  MONGOROW_KAFKA_RUN_DIR="$work/run-kafka" MONGOROW_KAFKA_DATA_DIR="$work/data" MONGOROW_KAFKA_HOME="$work/kh" \
  MONGOROW_KAFKA_TEMPLATE="$work/server.properties.template" \
  setsid sh "$docker_dir/kafka/entrypoint.sh" > "$work/logs/kafka.log" 2>&1 &
pids+=($!)
for _ in $(seq 60); do
  grep -q "Kafka Server started" "$work/logs/kafka.log" && break
  kill -0 "${pids[0]}" 2>/dev/null || fail "Kafka exited: $(tail -5 "$work/logs/kafka.log")"
  sleep 2
done
grep -q "Kafka Server started" "$work/logs/kafka.log" || fail "Kafka did not start"
sed "s#/run/secrets/#$secrets/#" "$work/run-kafka/client.properties" > "$work/client.properties"
"$work/kh/bin/kafka-broker-api-versions.sh" --bootstrap-server localhost:29092 --command-config "$work/client.properties" \
  > /dev/null 2>&1 || fail "health check command (ApiVersions as user broker over SASL_SSL)"
say "Kafka up; SCRAM user broker authenticated on the CLIENT listener"

# ---- kafka/init.sh, only its paths and the single-node replication changed
sed -e "s#/opt/kafka/bin/#$work/kh/bin/#g" -e "s#^secrets=/run/secrets#secrets=$secrets#" -e "s#^conf=/tmp/kafka-init#conf=$work/init#" \
    -e "s#ssl.truststore.location=/run/secrets/ca.crt#ssl.truststore.location=$secrets/ca.crt#" \
    -e 's/--replication-factor 3 --config min.insync.replicas=2/--replication-factor 1 --config min.insync.replicas=1/' \
    "$docker_dir/kafka/init.sh" > "$work/init.sh"
say "topics and ACLs (docker/kafka/init.sh; slow: one JVM per command)"
env -i PATH="$PATH" KAFKA_BOOTSTRAP_SERVERS=localhost:29092 sh "$work/init.sh" > "$work/logs/init.log" 2>&1 || fail "init.sh: $(tail -5 "$work/logs/init.log")"
for t in raw.users raw.transactions mongo.pipeline.users mongo.pipeline.transactions __mongodb_heartbeats; do
  grep -qx "$t" "$work/logs/init.log" || fail "topic $t not created"
done

# ---- Connect: the real entry point
sed -e "s#/run/secrets/#$secrets/#g" -e 's#^listeners=https://0.0.0.0:8083#listeners=https://127.0.0.1:28083#' \
    -e 's/^rest.advertised.port=8083/rest.advertised.port=28083/' -e 's/replication.factor=3/replication.factor=1/' \
    -e "s#^plugin.path=.*#plugin.path=$plugins#" -e "s#=/etc/mongorow/connector-secrets#=$work/connector-secrets#" \
    "$docker_dir/connect/worker.properties.template" > "$work/connect-home/config/worker.properties.template"
sed "s#/run/secrets/#$secrets/#" "$docker_dir/connect/rest-jaas.conf" > "$work/connect-home/config/rest-jaas.conf"
say "starting Connect (docker/connect/entrypoint.sh)"
env -i PATH="$PATH" ${JAVA_HOME:+JAVA_HOME="$JAVA_HOME"} MONGOROW_KAFKA_BOOTSTRAP_SERVERS=localhost:29092 CONNECT_ADVERTISED_HOST=localhost \
  MONGOROW_MONGO_HOSTS=mongo-1:27017,mongo-2:27017,mongo-3:27017 "MONGOROW_MONGO_OPTIONS=replicaSet=rs0&authSource=admin&tls=true" \
  MONGOROW_MYSQL_JDBC_URL=jdbc:mysql://mysql:3306/pipeline "MONGOROW_MYSQL_JDBC_PARAMS=&sslMode=VERIFY_IDENTITY" \
  MONGOROW_MYSQL_SINK_USER=pipeline_sink MONGOROW_SOURCE_START_AT_OPERATION_TIME=1970-01-01T00:00:01Z \
  MONGOROW_SECRETS_MOUNT="$secrets" MONGOROW_CONNECT_RUN_DIR="$work/run-connect" MONGOROW_CONNECT_HOME="$work/connect-home" \
  MONGOROW_KAFKA_HOME="$work/kh" setsid sh "$docker_dir/connect/entrypoint.sh" > "$work/logs/connect.log" 2>&1 &
pids=("$!" "${pids[@]}")   # stopped in this order: Connect, then Kafka
admin_pw="$(sed -n 's/^admin: //p' "$secrets/connect_rest_users")"
code() { curl -s -o /dev/null -w '%{http_code}' --cacert "$secrets/ca.crt" "$@"; }
for _ in $(seq 90); do
  [[ "$(code -u "admin:$admin_pw" https://localhost:28083/health)" == 200 ]] && break
  kill -0 "${pids[0]}" 2>/dev/null || fail "Connect exited: $(grep -m3 -A3 ERROR "$work/logs/connect.log")"
  sleep 2
done
[[ "$(code -u "admin:$admin_pw" https://localhost:28083/health)" == 200 ]] || fail "Connect /health"
[[ "$(code https://localhost:28083/connectors)" == 401 ]] || fail "REST without credentials must answer 401"
[[ "$(code -u admin:wrong https://localhost:28083/connectors)" == 401 ]] || fail "REST with a wrong password must answer 401"
[[ "$(code -u "admin:$admin_pw" https://localhost:28083/admin/loggers)" == 404 ]] || fail "/admin must be off"
[[ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:28083/ || true)" == 000 ]] || fail "plain HTTP must not answer"
say "Connect up: HTTPS, basic auth (401 without), admin endpoints off, no plain HTTP; joined its group as user connect"

PW="$admin_pw" CA="$secrets/ca.crt" "$venv_python" - "$repo" <<'PY' || fail "connector validation"
import os, sys, requests
sys.path.insert(0, os.path.join(sys.argv[1], "airflow", "src"))
from mongorow_airflow.configs import load_connectors
s = requests.Session(); s.auth = ("admin", os.environ["PW"]); s.trust_env = False
for spec in load_connectors(os.path.join(sys.argv[1], "connect-configs"), "docker"):
    r = s.put(f"https://localhost:28083/connector-plugins/{spec.config['connector.class']}/config/validate",
              json=spec.config, verify=os.environ["CA"], timeout=120)
    r.raise_for_status()
    errors = {c["value"]["name"]: c["value"]["errors"] for c in r.json()["configs"] if c["value"]["errors"]}
    # no MongoDB here: only "cannot connect" is acceptable for the Mongo connectors
    unexpected = {k: v for k, v in errors.items() if not (k == "connection.uri" and all("connect" in e for e in v))}
    print(f"[smoke] validate {spec.name}: {len(errors)} error(s), unexpected: {unexpected or 'none'}")
    if unexpected:
        sys.exit(1)
PY

# ---- user airflow: may produce to raw.*, may not consume
air_pw="$(tr -d '\n' < "$secrets/kafka_airflow_password")"
printf 'security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="airflow" password="%s";\nssl.truststore.type=PEM\nssl.truststore.location=%s\n' \
  "$air_pw" "$secrets/ca.crt" > "$work/airflow.properties"
echo '{"_id":"smoke"}|{"_id":"smoke"}' | "$work/kh/bin/kafka-console-producer.sh" --bootstrap-server localhost:29092 --topic raw.users \
  --command-config "$work/airflow.properties" --reader-property parse.key=true --reader-property 'key.separator=|' \
  > "$work/logs/produce.log" 2>&1 || fail "airflow may produce to raw.users: $(grep -i error "$work/logs/produce.log" | head -2)"
timeout 90 "$work/kh/bin/kafka-console-consumer.sh" --bootstrap-server localhost:29092 --topic raw.users --from-beginning \
  --max-messages 1 --consumer.config "$work/airflow.properties" > "$work/logs/consume.log" 2>&1 || true
grep -q "AuthorizationException" "$work/logs/consume.log" || fail "airflow must not be allowed to consume raw.users"
say "ACLs: airflow produced to raw.users and was refused as a consumer"
say "passed (logs in $work/logs)"
