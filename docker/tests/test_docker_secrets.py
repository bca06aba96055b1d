"""docker/gen-dev-secrets.sh, run for real: every file compose.yaml needs, certificates for the host names
the services use, key stores the JVMs read, Airflow Connections that Airflow's own file backend loads,
idempotence, and nothing of it ever committed."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess

from dockerstatic import DOCKER, REPO, secret_names_of_generator
from dockerstatic import compose, generated_secrets  # noqa: F401 (fixtures)

PASSWORDS = re.compile(r"[A-Za-z0-9._~-]+")


def _digest(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_every_secret_is_created(generated_secrets, compose):
    names = secret_names_of_generator()
    assert sorted(names) == sorted(compose["secrets"])
    for name in names:
        f = generated_secrets / name
        assert f.is_file() and f.stat().st_size > 0, name
        if name.endswith("_password") or name in ("pii_hmac_secret", "airflow_jwt_secret", "airflow_api_secret_key"):
            value = f.read_text().strip()
            assert PASSWORDS.fullmatch(value) and len(value) >= 32, f"{name}: [A-Za-z0-9._~-]{{32,}}"
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", (generated_secrets / "kafka_cluster_id").read_text().strip())
    # Airflow reads these with *_CMD (cat FILE) and does not strip a line break
    for name in ("airflow_db_url", "airflow_fernet_key", "airflow_jwt_secret", "airflow_api_secret_key"):
        assert not (generated_secrets / name).read_bytes().endswith(b"\n"), name
    assert len((generated_secrets / "airflow_fernet_key").read_text()) == 44
    assert oct(generated_secrets.stat().st_mode & 0o777) == "0o700"
    assert oct((generated_secrets / "ca.key").stat().st_mode & 0o777) == "0o600"


def test_certificates_name_the_hosts_the_services_use(generated_secrets):
    def sans(cert_file) -> set[str]:
        out = subprocess.run(["openssl", "x509", "-in", str(cert_file), "-noout", "-ext", "subjectAltName"],
                             capture_output=True, text=True, check=True).stdout
        return set(re.findall(r"DNS:([\w.-]+)", out))

    def verify(cert_file):
        run = subprocess.run(["openssl", "verify", "-CAfile", str(generated_secrets / "ca.crt"), str(cert_file)],
                             capture_output=True, text=True)
        assert run.returncode == 0, run.stdout + run.stderr

    pw = (generated_secrets / "tls_store_password").read_text().strip()
    for store, hosts in [(f"kafka-{n}", {f"kafka-{n}", "localhost"}) for n in (1, 2, 3)] + [("connect", {"connect-1", "connect-2"})]:
        pem = subprocess.run(["openssl", "pkcs12", "-in", str(generated_secrets / f"{store}.p12"), "-clcerts", "-nokeys",
                              "-passin", f"pass:{pw}"], capture_output=True, text=True, check=True).stdout
        cert = generated_secrets.parent / f"{store}.crt"
        cert.write_text(pem)
        assert hosts <= sans(cert), store
        verify(cert)
        if store.startswith("kafka-"):
            subject = subprocess.run(["openssl", "x509", "-in", str(cert), "-noout", "-subject", "-nameopt", "RFC2253"],
                                     capture_output=True, text=True, check=True).stdout
            # RULE:^CN=([a-zA-Z0-9.-]+),.*$/$1/ of server.properties maps it to the super user User:kafka-N
            assert re.search(r"subject=CN=" + store + ",", subject), subject
    for n in (1, 2, 3):
        assert {f"mongo-{n}", "localhost"} <= sans(generated_secrets / f"mongo-{n}.pem")
        verify(generated_secrets / f"mongo-{n}.pem")
    assert "mysql" in sans(generated_secrets / "mysql-server.crt")
    verify(generated_secrets / "mysql-server.crt")


def test_airflow_connections_load_with_airflows_file_backend(generated_secrets):
    from airflow.secrets.local_filesystem import load_connections_dict

    from mongorow_airflow.local_stack import KAFKA_CONN_ID, KAFKA_CONNECT_CONN_ID, MONGO_CONN_ID, MYSQL_CONN_ID

    conns = load_connections_dict(str(generated_secrets / "airflow_connections.json"))
    assert set(conns) == {KAFKA_CONNECT_CONN_ID, KAFKA_CONN_ID, MYSQL_CONN_ID, MONGO_CONN_ID}

    def secret(name):
        return (generated_secrets / name).read_text().strip()

    rest_users = dict(l.split(": ", 1) for l in secret("connect_rest_users").splitlines() if not l.startswith("#"))
    connect = conns[KAFKA_CONNECT_CONN_ID]
    assert (connect.schema, connect.host, connect.port, connect.login) == ("https", "connect-1", 8083, "airflow")
    assert connect.password == rest_users["airflow"] and connect.extra_dejson["verify"] == "/run/secrets/ca.crt"
    # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a session's verify unless trust_env is off
    assert connect.extra_dejson["trust_env"] is False
    kafka = conns[KAFKA_CONN_ID].extra_dejson
    assert kafka["security.protocol"] == "SASL_SSL" and kafka["sasl.mechanism"] == "SCRAM-SHA-512"
    assert kafka["sasl.username"] == "airflow" and kafka["sasl.password"] == secret("kafka_airflow_password")
    mysql = conns[MYSQL_CONN_ID]
    assert (mysql.login, mysql.password, mysql.schema) == ("pipeline_reader", secret("mysql_reader_password"), "pipeline")
    assert mysql.extra_dejson["ssl"] == {"ca": "/run/secrets/ca.crt"}
    mongo = conns[MONGO_CONN_ID]
    assert (mongo.login, mongo.password) == ("mongorow_airflow", secret("mongo_airflow_password"))
    assert mongo.extra_dejson["tls"] is True and mongo.extra_dejson["replicaSet"] == "rs0"
    assert set(rest_users) == {"admin", "airflow"}
    url = secret("airflow_db_url")
    assert url == f"postgresql+psycopg2://airflow:{secret('airflow_db_password')}@postgres:5432/airflow"


def test_a_second_run_changes_nothing(generated_secrets):
    before = _digest(generated_secrets)
    run = subprocess.run([str(DOCKER / "gen-dev-secrets.sh")], env={**os.environ, "SECRETS_DIR": str(generated_secrets)},
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert _digest(generated_secrets) == before


def test_secrets_are_never_committed():
    tracked = subprocess.run(["git", "-C", str(REPO), "ls-files", "docker/secrets"], capture_output=True, text=True, check=True)
    assert tracked.stdout == ""
    ignored = subprocess.run(["git", "-C", str(REPO), "check-ignore", "-q", "docker/secrets/kafka_admin_password"])
    assert ignored.returncode == 0, "docker/secrets/ must be git-ignored"
