"""connect-configs/alternatives/mysql-sink.confluent-jdbc.json: for Connect clusters that have Confluent's JDBC
sink. Checked against the connector's DOCUMENTED configuration (no jar of it exists here), against the
default mysql-sink (same transforms, topics, connection values, dead-letter queue) and for what makes the
pipeline exact: upsert by the record key, delete on tombstone."""

from __future__ import annotations

import json
import re
import subprocess

from dockerstatic import DOCKER, REPO
from dockerstatic import alternative_config, compose, env  # noqa: F401 (fixtures)

# Documented configuration keys of io.confluent.connect.jdbc.JdbcSinkConnector, from Confluent's
# "Configuration Reference for JDBC Sink Connector for Confluent Platform" (kafka-connect-jdbc 10.x, the
# "current" page at https://docs.confluent.io/kafka-connectors/jdbc/current/sink-connector/sink_config_options.html,
# read in November 2026; that page is generated from the connector's ConfigDef, JdbcSinkConfig.CONFIG_DEF).
# Value sets are those the page lists as "Valid Values".
DOCUMENTED_SINK_KEYS = {
    # Connection
    "connection.url": None,
    "connection.user": None,
    "connection.password": None,
    "connection.attempts": r"[1-9]\d*",
    "connection.backoff.ms": r"\d+",
    "dialect.name": {"", "Db2DatabaseDialect", "MySqlDatabaseDialect", "SybaseDatabaseDialect", "GenericDatabaseDialect",
                     "OracleDatabaseDialect", "SqlServerDatabaseDialect", "PostgreSqlDatabaseDialect",
                     "SqliteDatabaseDialect", "DerbyDatabaseDialect", "SapHanaDatabaseDialect", "VerticaDatabaseDialect"},
    "jdbc.credentials.provider.class": None,
    # Writes
    "insert.mode": {"insert", "upsert", "update"},
    "batch.size": r"\d+",
    "delete.enabled": {"true", "false"},
    "replace.null.with.default": {"true", "false"},
    # Data Mapping
    "table.name.format": None,
    "pk.mode": {"none", "kafka", "record_key", "record_value"},
    "pk.fields": None,
    "fields.whitelist": None,
    "db.timezone": None,
    "date.timezone": {"DB_TIMEZONE", "UTC"},
    "table.types": None,
    # SQL/DDL Support
    "auto.create": {"true", "false"},
    "auto.evolve": {"true", "false"},
    "quote.sql.identifiers": {"always", "never"},
    "mssql.use.merge.holdlock": {"true", "false"},
    # Retries
    "max.retries": r"\d+",
    "retry.backoff.ms": r"\d+",
    # misc
    "trim.sensitive.log": {"true", "false"},
}
TABLE_TYPES = {"TABLE", "VIEW", "PARTITIONED TABLE"}

# Keys every connector accepts (Kafka Connect's ConnectorConfig / SinkConnectorConfig), and prefixes.
FRAMEWORK_KEYS = {"name", "connector.class", "tasks.max", "topics", "topics.regex", "key.converter", "value.converter",
                  "header.converter", "config.action.reload", "transforms", "predicates",
                  "errors.retry.timeout", "errors.retry.delay.max.ms", "errors.tolerance", "errors.log.enable",
                  "errors.log.include.messages", "errors.deadletterqueue.topic.name",
                  "errors.deadletterqueue.topic.replication.factor", "errors.deadletterqueue.context.headers.enable"}
FRAMEWORK_PREFIXES = ("transforms.", "predicates.", "key.converter.", "value.converter.", "header.converter.",
                      "consumer.override.")

ALT = REPO / "connect-configs/alternatives/mysql-sink.confluent-jdbc.json"


def _base() -> dict[str, str]:
    return json.loads((REPO / "connect-configs/connectors/mysql-sink.json").read_text())


def test_every_key_is_documented_for_the_connector_or_the_framework(alternative_config):
    for key, value in alternative_config.items():
        assert isinstance(value, str), f"{key}: Connect configs are strings"
        if key in FRAMEWORK_KEYS or key.startswith(FRAMEWORK_PREFIXES):
            continue
        # the connector passes connection.* keys it does not define to the JDBC driver (documented)
        assert key in DOCUMENTED_SINK_KEYS, f"{key} is not a documented key of Confluent's JDBC sink"
        allowed = DOCUMENTED_SINK_KEYS[key]
        if isinstance(allowed, set):
            assert value in allowed, f"{key}={value!r}: documented values are {sorted(allowed)}"
        elif isinstance(allowed, str):
            assert re.fullmatch(allowed, value), f"{key}={value!r}"
    if "table.types" in alternative_config:
        assert {t.strip() for t in alternative_config["table.types"].split(",")} <= TABLE_TYPES


def test_it_upserts_by_the_record_key_deletes_on_tombstones_and_dead_letters(alternative_config):
    c = alternative_config
    assert c["connector.class"] == "io.confluent.connect.jdbc.JdbcSinkConnector"
    assert c["insert.mode"] == "upsert"
    assert c["pk.mode"] == "record_key" and c["pk.fields"] == "id", "the key Struct{id} of ChangeEventToRow/ApplyTableSchema"
    assert c["delete.enabled"] == "true", "tombstones (deletes in MongoDB) delete the row"
    assert c["auto.create"] == "false" and c["auto.evolve"] == "false", "tables come from connect-configs/mysql/schema.sql"
    assert c["errors.tolerance"] == "all" and c["errors.deadletterqueue.topic.name"] == "dlq.mysql-sink"
    assert c["errors.deadletterqueue.context.headers.enable"] == "true"
    assert c["dialect.name"] == "MySqlDatabaseDialect" and c["db.timezone"] == "UTC"


def test_same_transforms_topics_connection_and_dead_letter_queue_as_the_default_sink(alternative_config):
    base, alt = _base(), alternative_config
    same = [k for k in base if k.startswith(("transforms", "errors.", "key.converter", "value.converter", "consumer.override."))]
    same += ["name", "topics", "connection.url", "connection.password", "batch.size"]
    for key in same:
        assert alt.get(key) == base[key], f"{key}: {alt.get(key)!r} differs from connectors/mysql-sink.json {base[key]!r}"
    assert {k for k in alt if k.startswith("transforms")} == {k for k in base if k.startswith("transforms")}
    assert alt["connection.user"] == base["connection.username"], "same ${env:...} user (the key is named differently)"
    # Debezium 3.6 names it collection.name.format (table.name.format is its deprecated alias); Confluent's is
    # table.name.format: the same table for the same record either way
    assert alt["table.name.format"] == base.get("collection.name.format", base.get("table.name.format")) == "${topic}"
    # ApplyTableSchema routes each record to its table's name, which is what ${topic} then resolves to
    for table in ("users", "transactions"):
        assert base.get(f"transforms.{table}.route.to.table", "true") == "true"


def test_secrets_come_only_from_config_providers(alternative_config):
    for key, value in alternative_config.items():
        if re.search(r"(password|secret|\.url|\.uri|user)$", key):
            assert value.startswith("${env:"), f"{key} must be a ${{env:...}} placeholder"
        assert not re.search(r"://[^/@\s$]+:[^/@\s]+@", value), f"{key}: inline credentials"


def test_it_is_not_deployed_with_the_default_connectors():
    from mongorow_airflow.configs import declared_connector_names

    assert ALT.parent.name == "alternatives"
    assert "mysql-sink.confluent-jdbc" not in declared_connector_names(REPO / "connect-configs")
    assert not (REPO / "connect-configs/connectors" / ALT.name).exists()


def test_the_image_can_install_the_connector_from_a_file_or_url(compose, env):
    for name in ("connect-1", "connect-2"):
        args = compose["services"][name]["build"]["args"]
        assert args["CONFLUENT_JDBC_SOURCE"] == env.get("CONFLUENT_JDBC_SOURCE", "") == "", "not installed by default"
        assert "CONFLUENT_JDBC_SHA256" in args
    dockerfile = (DOCKER / "connect/Dockerfile").read_text()
    assert 'ARG CONFLUENT_JDBC_SOURCE=""' in dockerfile and 'ARG CONFLUENT_JDBC_SHA256=""' in dockerfile
    assert "install-confluent-jdbc.sh" in dockerfile
    script = (DOCKER / "connect/install-confluent-jdbc.sh").read_text()
    assert "sha256sum -c" in script and "CONFLUENT_JDBC_SHA256 is required with a URL" in script
    assert "mysql-connector-j-*.jar" in script and "sync-manifests" in script
    # what a user drops into docker/connect/extra/ is never committed
    ignored = subprocess.run(["git", "-C", str(REPO), "check-ignore", "-q", "docker/connect/extra/confluentinc-kafka-connect-jdbc-10.8.0.zip"])
    assert ignored.returncode == 0
    kept = subprocess.run(["git", "-C", str(REPO), "check-ignore", "-q", "docker/connect/extra/README.md"])
    assert kept.returncode == 1
