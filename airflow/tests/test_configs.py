"""The connect-configs loader: file/overlay parsing, local checks, normalisation and diff (no Connect needed)."""

from __future__ import annotations

import json

import pytest

from mongorow_airflow.configs import (
    MANAGED_BY_KEY,
    MANAGED_BY_VALUE,
    ConnectorConfigError,
    declared_connector_names,
    diff_configs,
    load_connectors,
    normalize_config,
)


def test_repository_configs_load_with_every_overlay():
    names = declared_connector_names()
    assert names == ["mongo-sink", "mongo-source", "mysql-sink"]
    for env in (None, "local", "docker"):
        specs = {s.name: s for s in load_connectors(environment=env)}
        assert set(specs) == set(names)
        for s in specs.values():
            assert s.config["name"] == s.name
            assert s.config[MANAGED_BY_KEY] == MANAGED_BY_VALUE
            assert all(isinstance(v, str) for v in s.config.values())
    docker = {s.name: s for s in load_connectors(environment="docker")}
    assert docker["mongo-sink"].config["tasks.max"] == "2"
    assert docker["mongo-sink"].overlay.endswith("overlays/docker.json")


def test_name_disagreeing_with_file_is_reported_with_file_and_key(configs_dir):
    base = configs_dir({"good": {"connector.class": "x.Y"}, "bad": {"name": "other", "connector.class": "x.Y"}})
    with pytest.raises(ConnectorConfigError) as e:
        load_connectors(base)
    assert "bad.json: name: 'other' disagrees with the file name 'bad'" in str(e.value)


def test_every_problem_is_collected(configs_dir, tmp_path):
    base = configs_dir(
        {"a": {"tasks.max": 1}, "b": {"connector.class": "x.Y", "nested": {"k": 1}}},
        overlays={"env": {"connectors": {"ghost": {"k": "v"}, "b": {"name": "renamed"}}}},
    )
    (base / "connectors" / "c.json").write_text("{not json")
    with pytest.raises(ConnectorConfigError) as e:
        load_connectors(base, "env")
    msg = str(e.value)
    assert "a.json: connector.class: missing" in msg
    assert "b.json: nested: values must be strings" in msg
    assert "c.json: not valid JSON" in msg
    assert "env.json: ghost: overlay names connector 'ghost'" in msg
    assert "env.json: b.name: an overlay cannot rename" in msg


def test_overlay_sets_and_removes_keys(configs_dir):
    base = configs_dir({"a": {"connector.class": "x.Y", "tasks.max": 1, "drop.me": "1", "flag": True}},
                       overlays={"dev": {"_comment": "x", "connectors": {"a": {"tasks.max": "3", "drop.me": None}}}})
    [spec] = load_connectors(base, "dev")
    assert spec.config == {"connector.class": "x.Y", "tasks.max": "3", "flag": "true", "name": "a",
                           MANAGED_BY_KEY: MANAGED_BY_VALUE}
    assert spec.overlay_keys == ("drop.me", "tasks.max")


def test_diff_normalises_and_ignores_masked_values():
    desired = normalize_config("a", {"connector.class": "x.Y", "tasks.max": 1, "connection.password": "${env:P}"})
    live = {"connector.class": "x.Y", "tasks.max": "1", "name": "a", "connection.password": "[hidden]"}
    assert diff_configs(desired, live).empty
    d = diff_configs(desired, {**live, "tasks.max": "2", "extra": "1"})
    assert d.changed == {"tasks.max": ("2", "1")} and d.removed == {"extra": "1"}
    assert "tasks.max: 2 -> 1" in d.summary() and "removed extra" in d.summary()


def test_summary_never_shows_literal_secrets():
    d = diff_configs({"connection.password": "s3cr3t-value", "name": "a"}, {"name": "a", "connection.password": "old-literal"})
    assert "s3cr3t" not in d.summary() and "old-literal" not in d.summary() and "***" in d.summary()
