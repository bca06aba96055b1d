"""The entry points of the Kafka and Connect containers, RUN here (outside a container) on secrets made by
docker/gen-dev-secrets.sh, with stand-ins for Kafka's start scripts that record what they are given:
the rendered worker/broker properties, the SCRAM users written at format time, the connector environment
(then substituted into the docker-rendered connector configs, whose MongoDB URIs pymongo must accept)."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import urllib.parse
from pathlib import Path

import pytest

from dockerstatic import DOCKER
from dockerstatic import docker_connectors, generated_secrets, services  # noqa: F401 (fixtures)


def _fake(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _secret(secrets: Path, name: str) -> str:
    return (secrets / name).read_text().strip()


def _properties(text: str) -> dict[str, str]:
    return dict(l.split("=", 1) for l in text.splitlines() if l and not l.startswith("#") and "=" in l)


def _env_file(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().split("\0"):
        if "=" in line:
            k, v = line.split("=", 1)
            out[k] = v
    return out


@pytest.fixture
def connect_run(tmp_path, generated_secrets, services):
    """Runs docker/connect/entrypoint.sh as connect-1 would; returns (rc, stderr, out-folder)."""
    if not shutil.which("keytool"):
        pytest.skip("keytool is not installed")
    home = tmp_path / "opt-connect"
    (home / "config").mkdir(parents=True)
    for f in ("worker.properties.template", "rest-jaas.conf"):
        shutil.copy(DOCKER / "connect" / f, home / "config" / f)
    out = tmp_path / "out"
    out.mkdir()
    _fake(tmp_path / "opt-kafka/bin/connect-distributed.sh",
          'env -0 > "$OUT/env"; cp "$1" "$OUT/worker.properties"; printf %s "$KAFKA_OPTS" > "$OUT/kafka_opts"')

    def run(secrets: Path = generated_secrets, service: str = "connect-1"):
        env = {k: str(v) for k, v in services[service]["environment"].items()}
        env.update(PATH=os.environ["PATH"], OUT=str(out), MONGOROW_SECRETS_MOUNT=str(secrets),
                   MONGOROW_CONNECT_RUN_DIR=str(tmp_path / "run-connect"), MONGOROW_CONNECT_HOME=str(home),
                   MONGOROW_KAFKA_HOME=str(tmp_path / "opt-kafka"))
        if os.environ.get("JAVA_HOME"):
            env["JAVA_HOME"] = os.environ["JAVA_HOME"]
        p = subprocess.run(["sh", str(DOCKER / "connect/entrypoint.sh")], env=env, capture_output=True, text=True, timeout=120)
        return p.returncode, p.stderr, out

    return run


def test_connect_entrypoint_renders_the_worker_with_its_secrets(connect_run, generated_secrets):
    rc, err, out = connect_run()
    assert rc == 0, err
    text = (out / "worker.properties").read_text()
    assert not re.search(r"@@[A-Z_]+@@", text)
    w = _properties(text)
    pw = _secret(generated_secrets, "kafka_connect_password")
    for prefix in ("", "producer.", "consumer.", "admin."):
        assert w[prefix + "sasl.jaas.config"].endswith(f'username="connect" password="{pw}";')
    assert w["listeners.https.ssl.keystore.password"] == _secret(generated_secrets, "tls_store_password")
    assert w["rest.advertised.host.name"] == "connect-1"
    assert w["bootstrap.servers"] == "kafka-1:9092,kafka-2:9092,kafka-3:9092"
    opts = (out / "kafka_opts").read_text()
    assert "-Dorg.apache.kafka.disallowed.login.modules=com.sun.security.auth.module.JndiLoginModule," in opts
    assert "rest-jaas.conf" in opts and "-Djavax.net.ssl.trustStore=" in opts
    # the worker's own secrets are not handed to connectors: no MONGOROW_ variable holds them
    env = _env_file(out / "env")
    for k, v in env.items():
        if k.startswith("MONGOROW_"):
            assert pw not in v and _secret(generated_secrets, "tls_store_password") not in v, k


def test_connect_entrypoint_extends_the_jvm_trust_store_with_the_ca(connect_run, tmp_path):
    rc, err, out = connect_run()
    assert rc == 0, err
    store = tmp_path / "run-connect/jvm-truststore"
    listed = subprocess.run(["keytool", "-list", "-keystore", str(store), "-storepass", "changeit", "-alias", "mongorow-ca"],
                            capture_output=True, text=True)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    count = subprocess.run(["keytool", "-list", "-keystore", str(store), "-storepass", "changeit"], capture_output=True, text=True)
    assert int(re.search(r"contains (\d+) entr", count.stdout).group(1)) > 10, "the JDK's public CAs stay trusted"


def test_connect_entrypoint_gives_connectors_working_connection_values(connect_run, generated_secrets, docker_connectors):
    import pymongo.uri_parser

    rc, err, out = connect_run()
    assert rc == 0, err
    env = _env_file(out / "env")
    allow = re.compile(r"^MONGOROW_.*")   # config.providers.env.param.allowlist.pattern

    def resolve(value: str) -> str:
        def sub(m):
            name = m.group(1)
            assert allow.match(name) and name in env, f"${{env:{name}}} is not available to the worker"
            return env[name]
        return re.sub(r"\$\{env:([^}:]+)\}", sub, value)

    resolved = {s.name: {k: resolve(v) for k, v in s.config.items()} for s in docker_connectors}
    sink, source = resolved["mongo-sink"]["connection.uri"], resolved["mongo-source"]["connection.uri"]
    for uri, user, secret in ((sink, "mongorow_sink", "mongo_sink_password"),
                              (source, "mongorow_source", "mongo_source_password")):
        parsed = pymongo.uri_parser.parse_uri(uri)
        assert parsed["username"] == user and parsed["password"] == _secret(generated_secrets, secret)
        assert sorted(parsed["nodelist"]) == [("mongo-1", 27017), ("mongo-2", 27017), ("mongo-3", 27017)]
        opts = {k.lower(): v for k, v in parsed["options"].items()}
        assert opts["replicaset"] == "rs0" and opts["authsource"] == "admin" and opts["tls"] is True
    mysql = resolved["mysql-sink"]
    url = urllib.parse.urlsplit(mysql["connection.url"].removeprefix("jdbc:"))
    assert (url.scheme, url.netloc, url.path) == ("mysql", "mysql:3306", "/pipeline")
    params = dict(urllib.parse.parse_qsl(url.query, strict_parsing=True))
    assert params == {"rewriteBatchedStatements": "true", "nullDatabaseMeansCurrent": "true", "sslMode": "VERIFY_IDENTITY"}
    assert mysql["connection.username"] == "pipeline_sink"
    assert mysql["connection.password"] == _secret(generated_secrets, "mysql_sink_password")
    assert mysql["transforms.pii.hmac.secret"] == _secret(generated_secrets, "pii_hmac_secret")
    start = resolved["mongo-source"]["startup.mode.timestamp.start.at.operation.time"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", start)


def test_connect_entrypoint_fails_clearly_without_a_secret(connect_run, generated_secrets, tmp_path):
    partial = tmp_path / "partial"
    shutil.copytree(generated_secrets, partial)
    (partial / "pii_hmac_secret").unlink()
    rc, err, _ = connect_run(partial)
    assert rc != 0 and "compose secret pii_hmac_secret is missing" in err


@pytest.fixture
def kafka_run(tmp_path, generated_secrets, services):
    out = tmp_path / "out"
    out.mkdir()
    _fake(tmp_path / "opt-kafka/bin/kafka-storage.sh",
          'for a in "$@"; do printf "%s\\n" "$a"; done > "$OUT/format-args"; touch "$DATA/meta.properties"')
    _fake(tmp_path / "opt-kafka/bin/kafka-server-start.sh", 'cp "$1" "$OUT/server.properties"')
    data = tmp_path / "data"
    data.mkdir()

    def run(service: str = "kafka-2"):
        env = {k: str(v) for k, v in services[service]["environment"].items()}
        env.update(PATH=os.environ["PATH"], OUT=str(out), DATA=str(data), MONGOROW_SECRETS_MOUNT=str(generated_secrets),
                   MONGOROW_KAFKA_RUN_DIR=str(tmp_path / "run-kafka"), MONGOROW_KAFKA_DATA_DIR=str(data),
                   MONGOROW_KAFKA_HOME=str(tmp_path / "opt-kafka"),
                   MONGOROW_KAFKA_TEMPLATE=str(DOCKER / "kafka/server.properties.template"))
        p = subprocess.run(["sh", str(DOCKER / "kafka/entrypoint.sh")], env=env, capture_output=True, text=True, timeout=60)
        return p.returncode, p.stderr, out

    return run


def test_kafka_entrypoint_formats_once_with_every_scram_user(kafka_run, generated_secrets, tmp_path):
    rc, err, out = kafka_run()
    assert rc == 0, err
    args = (out / "format-args").read_text().splitlines()
    assert args[0] == "format" and "--ignore-formatted" in args
    assert args[args.index("--cluster-id") + 1] == _secret(generated_secrets, "kafka_cluster_id")
    scram = [args[i + 1] for i, a in enumerate(args) if a == "--add-scram"]
    assert scram == [f"SCRAM-SHA-512=[name={u},password={_secret(generated_secrets, f'kafka_{u}_password')}]"
                     for u in ("broker", "admin", "connect", "airflow")]
    (out / "format-args").unlink()
    rc, err, out = kafka_run()
    assert rc == 0, err
    assert not (out / "format-args").exists(), "a formatted node is not formatted again"


def test_kafka_entrypoint_renders_the_node(kafka_run, generated_secrets, tmp_path):
    rc, err, out = kafka_run("kafka-2")
    assert rc == 0, err
    p = _properties((out / "server.properties").read_text())
    assert not re.search(r"@@[A-Z_]+@@", (out / "server.properties").read_text())
    assert p["node.id"] == "2"
    assert p["ssl.keystore.location"] == "/run/secrets/kafka-2.p12"
    assert "CLIENT://kafka-2:9092" in p["advertised.listeners"] and "EXTERNAL://localhost:19093" in p["advertised.listeners"]
    assert p["listener.name.internal.scram-sha-512.sasl.jaas.config"].endswith(
        f'username="broker" password="{_secret(generated_secrets, "kafka_broker_password")}";')
    client = _properties((tmp_path / "run-kafka/client.properties").read_text())
    assert client["security.protocol"] == "SASL_SSL"
    assert oct((tmp_path / "run-kafka/server.properties").stat().st_mode & 0o777) == "0o600"
