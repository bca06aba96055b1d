#!/bin/sh
# Entry point of the mongorow Connect image (docker/connect/Dockerfile), run as the image's user appuser.
#
# 1. renders /opt/connect/config/worker.properties.template into /run/connect/worker.properties (tmpfs, 0600)
#    with the worker's own secrets (key store password, SCRAM password of user connect);
# 2. builds the JVM trust store: the JDK's CA certificates plus the CA of /run/secrets/ca.crt, so the MongoDB
#    driver and MySQL Connector/J verify their servers (and the workers each other) with no per-driver setting;
# 3. exports the MONGOROW_* variables that the connector configs of connect-configs/ read through
#    ${env:...} (EnvVarConfigProvider, allowlist ^MONGOROW_.*), from compose secret FILES:
#      MONGOROW_MONGO_SINK_URI / _SOURCE_URI   secret mongo_sink_uri / mongo_source_uri if mounted, else built
#                                              from MONGOROW_MONGO_HOSTS, MONGOROW_MONGO_OPTIONS and the users
#                                              mongorow_sink / mongorow_source with secrets mongo_*_password
#      MONGOROW_MYSQL_SINK_PASSWORD            secret mysql_sink_password
#      MONGOROW_PII_HMAC_SECRET                secret pii_hmac_secret
#    and checks that the non-secret ones are set by compose.yaml (MONGOROW_MYSQL_JDBC_URL,
#    MONGOROW_MYSQL_JDBC_PARAMS, MONGOROW_MYSQL_SINK_USER, MONGOROW_SOURCE_START_AT_OPERATION_TIME);
# 4. execs the worker (connect-distributed.sh) with the JNDI/LDAP login modules disallowed.
# Values exported here exist only in the worker process: `docker inspect` does not show them.
set -eu

# the paths of the image (overridable only so that docker/tests can run this script outside a container)
secrets="${MONGOROW_SECRETS_MOUNT:-/run/secrets}"
conf="${MONGOROW_CONNECT_RUN_DIR:-/run/connect}"
connect_home="${MONGOROW_CONNECT_HOME:-/opt/connect}"
kafka_home="${MONGOROW_KAFKA_HOME:-/opt/kafka}"
template="$connect_home/config/worker.properties.template"

die() { echo "connect-entrypoint: $*" >&2; exit 1; }
need() { [ -r "$secrets/$1" ] || die "compose secret $1 is missing (docker/gen-dev-secrets.sh creates it)"; }
# secret NAME: the file's content without line breaks, restricted to [A-Za-z0-9._~-]
secret() {
  need "$1"
  v="$(tr -d '\r\n' < "$secrets/$1")"
  case "$v" in ''|*[!A-Za-z0-9._~-]*) die "compose secret $1 is empty or holds characters outside [A-Za-z0-9._~-]" ;; esac
  printf '%s' "$v"
}
# raw_secret NAME: the file's content without line breaks (URIs)
raw_secret() { need "$1"; tr -d '\r\n' < "$secrets/$1"; }

: "${MONGOROW_KAFKA_BOOTSTRAP_SERVERS:?set by compose.yaml}"
: "${CONNECT_ADVERTISED_HOST:?set by compose.yaml (connect-1, connect-2)}"
: "${MONGOROW_MYSQL_JDBC_URL:?set by compose.yaml}"
: "${MONGOROW_MYSQL_JDBC_PARAMS?set by compose.yaml (may be empty)}"
: "${MONGOROW_MYSQL_SINK_USER:?set by compose.yaml}"
: "${MONGOROW_SOURCE_START_AT_OPERATION_TIME:?set by compose.yaml}"
need connect.p12
need connect_rest_users
need ca.crt

umask 077
mkdir -p "$conf"

# ---- 1. worker properties
store_pw="$(secret tls_store_password)"
connect_pw="$(secret kafka_connect_password)"
sed -e "s|@@KAFKA_BOOTSTRAP_SERVERS@@|$MONGOROW_KAFKA_BOOTSTRAP_SERVERS|g" \
    -e "s|@@ADVERTISED_HOST@@|$CONNECT_ADVERTISED_HOST|g" \
    -e "s|@@TLS_STORE_PASSWORD@@|$store_pw|g" \
    -e "s|@@KAFKA_CONNECT_PASSWORD@@|$connect_pw|g" \
    "$template" > "$conf/worker.properties"
if grep -q '@@[A-Z_]*@@' "$conf/worker.properties"; then
  die "unfilled placeholders in worker.properties: $(grep -o '@@[A-Z_]*@@' "$conf/worker.properties" | sort -u | tr '\n' ' ')"
fi
unset store_pw connect_pw

# ---- 2. JVM trust store = the JDK's CA certificates + ours (a trust store holds no secret: the JDK's
#         well-known password). keytool and the JVM detect the store's type (PKCS12 or JKS) when loading.
java_home="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}"
rm -f "$conf/jvm-truststore"
cp "$java_home/lib/security/cacerts" "$conf/jvm-truststore"
chmod 600 "$conf/jvm-truststore"
keytool -importcert -noprompt -alias mongorow-ca -file "$secrets/ca.crt" \
  -keystore "$conf/jvm-truststore" -storepass changeit > /dev/null

# ---- 3. what the connector configs read through ${env:...}
mongo_uri() {  # mongo_uri USER PASSWORD-SECRET
  : "${MONGOROW_MONGO_HOSTS:?set by compose.yaml (host:port,...) or mount the secret mongo_sink_uri / mongo_source_uri}"
  printf 'mongodb://%s:%s@%s/?%s' "$1" "$(secret "$2")" "$MONGOROW_MONGO_HOSTS" "${MONGOROW_MONGO_OPTIONS:-authSource=admin&tls=true}"
}
if [ -r "$secrets/mongo_sink_uri" ]; then
  MONGOROW_MONGO_SINK_URI="$(raw_secret mongo_sink_uri)"
else
  MONGOROW_MONGO_SINK_URI="$(mongo_uri "${MONGOROW_MONGO_SINK_USER:-mongorow_sink}" mongo_sink_password)"
fi
if [ -r "$secrets/mongo_source_uri" ]; then
  MONGOROW_MONGO_SOURCE_URI="$(raw_secret mongo_source_uri)"
else
  MONGOROW_MONGO_SOURCE_URI="$(mongo_uri "${MONGOROW_MONGO_SOURCE_USER:-mongorow_source}" mongo_source_password)"
fi
MONGOROW_MYSQL_SINK_PASSWORD="$(secret mysql_sink_password)"
MONGOROW_PII_HMAC_SECRET="$(secret pii_hmac_secret)"
MONGOROW_SECRETS_DIR=/etc/mongorow/connector-secrets
export MONGOROW_MONGO_SINK_URI MONGOROW_MONGO_SOURCE_URI MONGOROW_MYSQL_SINK_PASSWORD MONGOROW_PII_HMAC_SECRET \
  MONGOROW_SECRETS_DIR MONGOROW_KAFKA_BOOTSTRAP_SERVERS MONGOROW_MYSQL_JDBC_URL MONGOROW_MYSQL_JDBC_PARAMS \
  MONGOROW_MYSQL_SINK_USER MONGOROW_SOURCE_START_AT_OPERATION_TIME

# ---- 4. the worker
export KAFKA_OPTS="${KAFKA_OPTS:-} \
-Dorg.apache.kafka.disallowed.login.modules=com.sun.security.auth.module.JndiLoginModule,com.sun.security.auth.module.LdapLoginModule \
-Djava.security.auth.login.config=$connect_home/config/rest-jaas.conf \
-Djavax.net.ssl.trustStore=$conf/jvm-truststore -Djavax.net.ssl.trustStorePassword=changeit"
exec "$kafka_home/bin/connect-distributed.sh" "$conf/worker.properties"
