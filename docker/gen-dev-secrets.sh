#!/usr/bin/env bash
# Creates the DEVELOPMENT certificates and passwords of docker/compose.yaml in docker/secrets/ (git-ignored).
#
#   docker/gen-dev-secrets.sh            create what is missing (existing files are kept: idempotent)
#   docker/gen-dev-secrets.sh --force    throw everything away and create all anew (then recreate the volumes:
#                                        Kafka, MongoDB, MySQL and Postgres keep the old passwords in their data)
#   docker/gen-dev-secrets.sh --list     print the file names compose.yaml expects, one a line (no values)
#
# Needs openssl, and keytool (any JDK 11+) to check that the JVMs read the key stores. Environment: SECRETS_DIR (default docker/secrets), CERT_DAYS (825).
#
# What is written (every file is one compose secret, mounted read-only at /run/secrets/<name> only in the
# services that need it; nothing here ever goes into an image or into compose.yaml):
#   ca.crt ca.key                      a private CA (ca.key is never mounted anywhere); ca.crt is the trust
#                                      anchor of every client (Kafka clients read it as a PEM trust store)
#   kafka-1.p12 kafka-2.p12 kafka-3.p12  broker key stores (PKCS12), SAN kafka-N, localhost, 127.0.0.1
#   connect.p12                        Connect REST key store, SAN connect-1, connect-2, localhost, 127.0.0.1
#   tls_store_password                 password of every .p12 above
#   mongo-1.pem mongo-2.pem mongo-3.pem  mongod key+certificate, SAN mongo-N, localhost
#   mysql-server.crt mysql-server.key  MySQL server certificate, SAN mysql, localhost
#   kafka_cluster_id                   KRaft cluster id
#   kafka_{broker,admin,connect,airflow}_password   SCRAM-SHA-512 users of the brokers
#   connect_rest_users                 Connect REST basic-auth users (PropertyFileLoginModule: "user: password")
#   mongo_keyfile                      replica-set member authentication
#   mongo_{root,sink,source,airflow}_password       MongoDB users
#   mysql_{root,sink,reader}_password  MySQL users
#   pii_hmac_secret                    key of the HMAC that protects e-mail addresses (ProtectFields)
#   airflow_db_password airflow_db_url Airflow metadata DB (Postgres) password, and Airflow's SQLAlchemy URL
#   airflow_fernet_key airflow_jwt_secret airflow_api_secret_key airflow_admin_password
#   airflow_connections.json           Airflow Connections (LocalFilesystemBackend): Kafka, Connect, MySQL, MongoDB
#
# Passwords are 48 hexadecimal characters: safe in URIs, JAAS, SQL and properties files without escaping.
# Production: bring your own CA-signed certificates and passwords under the same file names (same alphabet,
# [A-Za-z0-9._~-]), or a secrets manager that writes these files; see the README, "Running in production".
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="${SECRETS_DIR:-$here/secrets}"
days="${CERT_DAYS:-825}"
force=""

# every file compose.yaml references (tests/test_compose.py checks that this list and compose.yaml agree)
FILES=(
  ca.crt tls_store_password
  kafka-1.p12 kafka-2.p12 kafka-3.p12 connect.p12
  mongo-1.pem mongo-2.pem mongo-3.pem mysql-server.crt mysql-server.key
  kafka_cluster_id kafka_broker_password kafka_admin_password kafka_connect_password kafka_airflow_password
  connect_rest_users
  mongo_keyfile mongo_root_password mongo_sink_password mongo_source_password mongo_airflow_password
  mysql_root_password mysql_sink_password mysql_reader_password
  pii_hmac_secret
  airflow_db_password airflow_db_url airflow_fernet_key airflow_jwt_secret airflow_api_secret_key
  airflow_admin_password airflow_connections.json
)

case "${1:-}" in
  --force) force=1 ;;
  --list) printf '%s\n' "${FILES[@]}"; exit 0 ;;
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "gen-dev-secrets: unknown option $1 (--force, --list, --help)" >&2; exit 2 ;;
esac

for tool in openssl keytool; do
  command -v "$tool" >/dev/null 2>&1 || { echo "gen-dev-secrets: $tool is required" >&2; exit 1; }
done

say() { printf '[gen-dev-secrets] %s\n' "$*"; }

if [[ -n "$force" && -d "$dir" ]]; then
  say "--force: removing $dir"
  rm -rf "$dir"
fi
mkdir -p "$dir"
chmod 700 "$dir"   # only the deploying user reaches the files on the host
umask 022          # files themselves 0644: compose (without swarm) bind-mounts secrets with the host's mode,
                   # and each image runs as its own user (kafka 1000, mongodb/mysql 999, airflow 50000)
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

password() { openssl rand -hex 24; }

# secret NAME: writes a new password to NAME unless it exists
secret() {
  local f="$dir/$1"
  [[ -s "$f" ]] && return 0
  password > "$f"
  say "wrote $1"
}

read_secret() { tr -d '\r\n' < "$dir/$1"; }

# ---- passwords, keys, ids ----------------------------------------------------------------------------

for name in tls_store_password \
    kafka_broker_password kafka_admin_password kafka_connect_password kafka_airflow_password \
    mongo_root_password mongo_sink_password mongo_source_password mongo_airflow_password \
    mysql_root_password mysql_sink_password mysql_reader_password \
    pii_hmac_secret airflow_db_password airflow_jwt_secret airflow_api_secret_key airflow_admin_password; do
  secret "$name"
done

if [[ ! -s "$dir/kafka_cluster_id" ]]; then
  # a KRaft cluster id is a UUID in URL-safe base64 without padding (22 characters)
  openssl rand 16 | openssl base64 -A | tr '+/' '-_' | tr -d '=' > "$dir/kafka_cluster_id"
  echo >> "$dir/kafka_cluster_id"
  say "wrote kafka_cluster_id"
fi

if [[ ! -s "$dir/mongo_keyfile" ]]; then
  # 756 base64 characters (MongoDB accepts 6 to 1024 characters of the base64 set)
  openssl rand -base64 567 | tr -d '\n' > "$dir/mongo_keyfile"
  say "wrote mongo_keyfile"
fi

if [[ ! -s "$dir/airflow_fernet_key" ]]; then
  # a Fernet key: 32 random bytes, URL-safe base64 (44 characters)
  openssl rand 32 | openssl base64 -A | tr '+/' '-_' > "$dir/airflow_fernet_key"
  echo >> "$dir/airflow_fernet_key"
  say "wrote airflow_fernet_key"
fi

if [[ ! -s "$dir/airflow_db_url" ]]; then
  echo "postgresql+psycopg2://airflow:$(read_secret airflow_db_password)@postgres:5432/airflow" > "$dir/airflow_db_url"
  say "wrote airflow_db_url"
fi

if [[ ! -s "$dir/connect_rest_users" ]]; then
  {
    echo "# Kafka Connect REST users (BasicAuthSecurityRestExtension, PropertyFileLoginModule): user: password"
    echo "admin: $(password)"
    echo "airflow: $(password)"
  } > "$dir/connect_rest_users"
  say "wrote connect_rest_users (users admin, airflow)"
fi

# ---- certificates ------------------------------------------------------------------------------------

if [[ ! -s "$dir/ca.crt" || ! -s "$dir/ca.key" ]]; then
  openssl req -x509 -newkey rsa:3072 -sha256 -nodes -days "$days" \
    -subj "/O=mongorow/OU=development/CN=mongorow development CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
  chmod 600 "$dir/ca.key"
  say "wrote ca.crt, ca.key (development CA, $days days)"
fi

# leaf NAME CN SAN...: key + certificate signed by the CA, in $tmp/NAME.key and $tmp/NAME.crt
leaf() {
  local name="$1" cn="$2"; shift 2
  local san="" s
  for s in "$@"; do
    if [[ "$s" =~ ^[0-9.]+$ ]]; then san+="${san:+,}IP:$s"; else san+="${san:+,}DNS:$s"; fi
  done
  openssl req -new -newkey rsa:2048 -nodes -sha256 -subj "/O=mongorow/OU=development/CN=$cn" \
    -keyout "$tmp/$name.key" -out "$tmp/$name.csr" 2>/dev/null
  printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n' \
    "$san" > "$tmp/$name.ext"
  openssl x509 -req -sha256 -days "$days" -in "$tmp/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
    -CAcreateserial -CAserial "$tmp/ca.srl" -extfile "$tmp/$name.ext" -out "$tmp/$name.crt" 2>/dev/null
}

# p12 NAME CN SAN...: a PKCS12 key store NAME.p12 (alias = NAME) with the key, its certificate and the CA
p12() {
  local name="$1"
  [[ -s "$dir/$name.p12" ]] && return 0
  leaf "$@"
  openssl pkcs12 -export -name "$name" -in "$tmp/$name.crt" -inkey "$tmp/$name.key" -certfile "$dir/ca.crt" \
    -passout "file:$dir/tls_store_password" -out "$dir/$name.p12"
  # the JVMs must be able to read it (PKCS12 algorithms of this openssl vs the JDK's)
  keytool -list -storetype PKCS12 -keystore "$dir/$name.p12" -storepass:file "$dir/tls_store_password" >/dev/null \
    || { echo "gen-dev-secrets: keytool cannot read $name.p12" >&2; exit 1; }
  say "wrote $name.p12"
}

for n in 1 2 3; do
  # the CN is the principal of the node on the mutual-TLS controller listener (ssl.principal.mapping.rules)
  p12 "kafka-$n" "kafka-$n" "kafka-$n" localhost 127.0.0.1
done
p12 connect connect connect-1 connect-2 localhost 127.0.0.1

for n in 1 2 3; do
  if [[ ! -s "$dir/mongo-$n.pem" ]]; then
    leaf "mongo-$n" "mongo-$n" "mongo-$n" localhost 127.0.0.1
    cat "$tmp/mongo-$n.key" "$tmp/mongo-$n.crt" > "$dir/mongo-$n.pem"
    say "wrote mongo-$n.pem"
  fi
done

if [[ ! -s "$dir/mysql-server.crt" || ! -s "$dir/mysql-server.key" ]]; then
  leaf mysql-server mysql mysql localhost 127.0.0.1
  cp "$tmp/mysql-server.crt" "$dir/mysql-server.crt"
  cp "$tmp/mysql-server.key" "$dir/mysql-server.key"
  say "wrote mysql-server.crt, mysql-server.key"
fi


# ---- Airflow Connections (read by Airflow's LocalFilesystemBackend) ------------------------------------

if [[ ! -s "$dir/airflow_connections.json" ]]; then
  connect_pw="$(sed -n 's/^airflow: *//p' "$dir/connect_rest_users")"
  cat > "$dir/airflow_connections.json" <<EOF
{
  "kafka_connect_default": {
    "conn_type": "http", "host": "connect-1", "port": 8083, "schema": "https",
    "login": "airflow", "password": "$connect_pw",
    "extra": {"verify": "/run/secrets/ca.crt", "trust_env": false, "timeout": 30}
  },
  "kafka_default": {
    "conn_type": "kafka",
    "extra": {
      "bootstrap.servers": "kafka-1:9092,kafka-2:9092,kafka-3:9092",
      "security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-512",
      "sasl.username": "airflow", "sasl.password": "$(read_secret kafka_airflow_password)",
      "ssl.ca.location": "/run/secrets/ca.crt",
      "group.id": "mongorow-airflow", "enable.idempotence": true, "acks": "all",
      "socket.timeout.ms": 10000, "message.timeout.ms": 60000
    }
  },
  "mongorow_mysql": {
    "conn_type": "mysql", "host": "mysql", "port": 3306, "schema": "pipeline",
    "login": "pipeline_reader", "password": "$(read_secret mysql_reader_password)",
    "extra": {"ssl": {"ca": "/run/secrets/ca.crt"}, "ssl_mode": "VERIFY_IDENTITY"}
  },
  "mongorow_mongo": {
    "conn_type": "mongo", "host": "mongo-1:27017,mongo-2:27017,mongo-3:27017", "schema": "pipeline",
    "login": "mongorow_airflow", "password": "$(read_secret mongo_airflow_password)",
    "extra": {"replicaSet": "rs0", "authSource": "admin", "tls": true, "tlsCAFile": "/run/secrets/ca.crt"}
  }
}
EOF
  say "wrote airflow_connections.json"
fi

# Airflow reads its *_CMD settings (`cat FILE`) without stripping the line break: none at the end of these
for f in airflow_db_url airflow_fernet_key airflow_jwt_secret airflow_api_secret_key; do
  v="$(cat "$dir/$f")"   # $(...) drops trailing line breaks
  printf '%s' "$v" > "$dir/$f"
done

# openssl writes private keys 0600; the containers' users must read them (see umask above). ca.key stays 0600.
for f in "${FILES[@]}"; do
  [[ -e "$dir/$f" ]] && chmod 644 "$dir/$f"
done

missing=0
for f in "${FILES[@]}"; do
  [[ -s "$dir/$f" ]] || { echo "gen-dev-secrets: $f is missing" >&2; missing=1; }
done
((missing == 0)) || exit 1
say "all ${#FILES[@]} secrets present in $dir (development only: never commit them)"
