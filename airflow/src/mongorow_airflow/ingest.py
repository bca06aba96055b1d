"""Batches for the raw topics, and reconciliation of MySQL against MongoDB.

Data contract of the raw topics (read by the ``mongo-sink`` connector with ``ProvidedInKeyStrategy``):
record key = JSON text ``{"_id": <id as canonical Extended JSON>}``, value = the document as canonical
Extended JSON text (a null value deletes).

* users: documents of ``datasets/sample_analytics/customers.json`` exactly as they are (one per line);
  a batch takes ``batch_size`` consecutive customers starting at a position derived from the batch id.
* transactions: generated deterministically from the batch id, ``accounts.json`` and the customers'
  ``accounts`` arrays, with exactly the columns of the MySQL table ``transactions``;
  ``_id = "tx-<batch id>-<n>"``.

Everything is a pure function of (batch id, batch size, tables), so the reconcile step recomputes which
ids the batch wrote instead of passing them around in XCom.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import re
import time
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from mongorow_airflow.configs import repo_root

TABLES = ("users", "transactions")
TOPICS = {"users": "raw.users", "transactions": "raw.transactions"}
SYMBOLS = ("AAPL", "MSFT", "AMZN", "GOOG", "NVDA", "IBM", "CSCO", "ORCL", "SAP", "ADBE", "INTC", "AMD",
           "TSLA", "NFLX", "EBAY", "CRM")
USER_COLUMNS = ("id", "username", "name", "address", "birthdate", "active", "accounts", "tier_and_details")
TRANSACTION_COLUMNS = ("id", "account_id", "user_id", "symbol", "kind", "amount", "price", "total", "currency",
                       "executed_at", "trade_date", "tags")
#: 2024-01-01T00:00:00Z: generated executions fall into the year after it.
EPOCH_2024_MS = 1704067200000


def datasets_dir() -> Path:
    return repo_root() / "datasets" / "sample_analytics"


def batch_id_from(value: str | None, run_id: str | None = None) -> str:
    """A batch id safe in document ids: letters, digits, '.', '_' and '-' (at most 40 characters)."""
    raw = (value or "").strip()
    if not raw and run_id:
        # manual__2026-11-28T02:02:48.357327+00:00 -> manual-20261128T020248
        m = re.match(r"([a-z_]+?)_*(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})", run_id)
        raw = f"{m.group(1)}-{''.join(m.groups()[1:4])}T{''.join(m.groups()[4:])}" if m else run_id
    raw = raw or "batch"
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", raw).strip("-")
    if len(safe) > 40:
        safe = safe[:31] + "-" + hashlib.sha256(raw.encode()).hexdigest()[:8]
    return safe or "batch"


def _seed(batch_id: str, what: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{what}:{batch_id}".encode()).digest()[:8], "big")


@lru_cache(maxsize=1)
def customer_lines() -> tuple[str, ...]:
    with open(datasets_dir() / "customers.json", encoding="utf-8") as f:
        return tuple(line.rstrip("\n") for line in f if line.strip())


@lru_cache(maxsize=1)
def _accounts() -> dict[int, list[str]]:
    out = {}
    with open(datasets_dir() / "accounts.json", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                doc = json.loads(line)
                out[int(_plain_int(doc["account_id"]))] = list(doc.get("products") or [])
    return out


def _plain_int(v: Any) -> int:
    if isinstance(v, dict):
        for k in ("$numberInt", "$numberLong"):
            if k in v:
                return int(v[k])
    return int(v)


@lru_cache(maxsize=1)
def _customers() -> tuple[tuple[str, tuple[int, ...]], ...]:
    """(ObjectId hex, account ids) of every customer, in file order."""
    out = []
    for line in customer_lines():
        doc = json.loads(line)
        out.append((doc["_id"]["$oid"], tuple(_plain_int(a) for a in doc.get("accounts") or [])))
    return tuple(out)


def user_batch(batch_id: str, batch_size: int) -> list[str]:
    """The customer lines of a batch: ``batch_size`` (at most 500) consecutive ones, wrapping around."""
    lines = customer_lines()
    n = min(int(batch_size), len(lines))
    start = _seed(batch_id, "users") % len(lines)
    return [lines[(start + i) % len(lines)] for i in range(n)]


def user_ids(batch_id: str, batch_size: int) -> list[str]:
    return [json.loads(line)["_id"]["$oid"] for line in user_batch(batch_id, batch_size)]


def transaction_batch(batch_id: str, batch_size: int) -> list[dict[str, Any]]:
    """``batch_size`` transactions as canonical Extended JSON documents (dicts)."""
    rng = random.Random(_seed(batch_id, "transactions"))
    customers = [c for c in _customers() if c[1]]
    products = _accounts()
    out = []
    for i in range(int(batch_size)):
        oid, accounts = customers[rng.randrange(len(customers))]
        account_id = accounts[rng.randrange(len(accounts))]
        kind = "buy" if rng.random() < 0.55 else "sell"
        amount = rng.randint(1, 10_000)
        price = (Decimal(rng.randint(1_000_000, 2_000_000_000)) / Decimal(1_000_000)).quantize(Decimal("0.000001"))
        total = (price * amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        executed_ms = EPOCH_2024_MS + rng.randrange(365 * 24 * 3600 * 1000)
        tags = sorted(set(products.get(account_id, [])) | {kind})
        out.append({
            "_id": f"tx-{batch_id}-{i:06d}",
            "account_id": {"$numberInt": str(account_id)},
            "user_id": oid,
            "symbol": SYMBOLS[rng.randrange(len(SYMBOLS))],
            "kind": kind,
            "amount": {"$numberInt": str(amount)},
            "price": {"$numberDecimal": str(price)},
            "total": {"$numberDecimal": str(total)},
            "currency": "USD",
            "executed_at": {"$date": {"$numberLong": str(executed_ms)}},
            "tags": tags,
        })
    return out


def transaction_ids(batch_id: str, batch_size: int) -> list[str]:
    return [f"tx-{batch_id}-{i:06d}" for i in range(int(batch_size))]


def _key(id_value: Any) -> str:
    return json.dumps({"_id": id_value}, separators=(",", ":"))


def user_records(batch_id: str, batch_size: int | str, tables: list[str] | str | None = None) -> Iterator[tuple[str, str]]:
    """producer_function of ProduceToTopicOperator for ``raw.users``: (key, value) pairs."""
    if not _selected("users", tables):
        return
    for line in user_batch(batch_id, int(batch_size)):
        oid = json.loads(line)["_id"]
        yield _key(oid), line


def transaction_records(batch_id: str, batch_size: int | str, tables: list[str] | str | None = None) -> Iterator[tuple[str, str]]:
    """producer_function of ProduceToTopicOperator for ``raw.transactions``."""
    if not _selected("transactions", tables):
        return
    for doc in transaction_batch(batch_id, int(batch_size)):
        yield _key(doc["_id"]), json.dumps(doc, separators=(",", ":"))


def _selected(table: str, tables: list[str] | str | None) -> bool:
    if tables is None:
        return True
    if isinstance(tables, str):
        tables = [t.strip() for t in re.split(r"[,\s]+", tables.strip("[]").replace('"', "").replace("'", "")) if t.strip()]
    return table in tables


def delivery_report(err, msg) -> None:
    """Delivery callback for ProduceToTopicOperator: a failed delivery fails the task."""
    if err is not None:
        raise RuntimeError(f"delivery to {msg.topic()} failed: {err}")


# ---------------------------------------------------------------------------------------------- reconcile

def _utc_naive_ms(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.replace(microsecond=(value.microsecond // 1000) * 1000).isoformat(timespec="milliseconds")


def _plain(value: Any) -> Any:
    """BSON values as plain JSON values, the way the transforms write JSON columns."""
    from bson import Decimal128, ObjectId

    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, Decimal128):
        return str(value.to_decimal())
    if isinstance(value, dt.datetime):
        return _utc_naive_ms(value)
    return value


def _json_col(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        value = value.decode()
    return json.loads(value) if isinstance(value, str) else value


def _dec(value: Any, places: int) -> str | None:
    if value is None:
        return None
    from bson import Decimal128

    if isinstance(value, Decimal128):
        value = value.to_decimal()
    return str(Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def mongo_user_row(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(doc["_id"]),
        "username": doc.get("username"),
        "name": doc.get("name"),
        "address": doc.get("address"),
        "birthdate": _utc_naive_ms(doc.get("birthdate")),
        "active": bool(doc.get("active", False)),
        "accounts": _plain(doc.get("accounts")),
        "tier_and_details": _plain(doc.get("tier_and_details")),
    }


def mysql_user_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "username": row["username"],
        "name": row["name"],
        "address": row["address"],
        "birthdate": _utc_naive_ms(row["birthdate"]),
        "active": bool(row["active"]),
        "accounts": _json_col(row["accounts"]),
        "tier_and_details": _json_col(row["tier_and_details"]),
    }


def mongo_transaction_row(doc: dict[str, Any]) -> dict[str, Any]:
    executed = doc.get("executed_at")
    return {
        "id": str(doc["_id"]),
        "account_id": int(doc["account_id"]),
        "user_id": doc.get("user_id"),
        "symbol": doc.get("symbol"),
        "kind": doc.get("kind"),
        "amount": int(doc["amount"]),
        "price": _dec(doc.get("price"), 6),
        "total": _dec(doc.get("total"), 2),
        "currency": doc.get("currency", "USD"),
        "executed_at": _utc_naive_ms(executed),
        "trade_date": _utc_naive_ms(executed)[:10] if executed else None,
        "tags": _plain(doc.get("tags")),
    }


def mysql_transaction_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "account_id": int(row["account_id"]),
        "user_id": row["user_id"],
        "symbol": row["symbol"],
        "kind": row["kind"],
        "amount": int(row["amount"]),
        "price": _dec(row["price"], 6),
        "total": _dec(row["total"], 2),
        "currency": row["currency"],
        "executed_at": _utc_naive_ms(row["executed_at"]),
        "trade_date": row["trade_date"].isoformat() if row["trade_date"] else None,
        "tags": _json_col(row["tags"]),
    }


SPEC = {
    "users": (USER_COLUMNS, mongo_user_row, mysql_user_row, user_ids),
    "transactions": (TRANSACTION_COLUMNS, mongo_transaction_row, mysql_transaction_row, transaction_ids),
}


def checksum(rows: list[dict[str, Any]]) -> str:
    h = hashlib.sha256()
    for row in sorted(rows, key=lambda r: r["id"]):
        h.update(json.dumps(row, sort_keys=True, default=str, separators=(",", ":")).encode())
        h.update(b"\n")
    return h.hexdigest()


def sample_ids(ids: list[str], sample_size: int, batch_id: str) -> list[str]:
    if len(ids) <= sample_size:
        return sorted(ids)
    return sorted(random.Random(_seed(batch_id, "sample")).sample(ids, sample_size))


@dataclass
class TableCheck:
    table: str
    expected: int
    in_mongo: int = 0
    in_mysql: int = 0
    sampled: int = 0
    mongo_checksum: str = ""
    mysql_checksum: str = ""
    missing_in_mongo: list[str] = field(default_factory=list)
    missing_in_mysql: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (self.in_mongo == self.expected and self.in_mysql == self.expected
                and self.mongo_checksum == self.mysql_checksum and not self.differences)

    def summary(self) -> str:
        return (f"{self.table}: expected {self.expected}, MongoDB {self.in_mongo}, MySQL {self.in_mysql}; "
                f"checksum of {self.sampled} sampled rows MongoDB {self.mongo_checksum[:12]} "
                f"MySQL {self.mysql_checksum[:12]} -> {'OK' if self.ok else 'DIFFERENT'}")

    def details(self) -> str:
        lines = [self.summary()]
        if self.missing_in_mongo:
            lines.append(f"  missing in MongoDB ({len(self.missing_in_mongo)}): {', '.join(self.missing_in_mongo[:10])}")
        if self.missing_in_mysql:
            lines.append(f"  missing in MySQL ({len(self.missing_in_mysql)}): {', '.join(self.missing_in_mysql[:10])}")
        lines.extend("  " + d for d in self.differences[:20])
        return "\n".join(lines)


def _chunks(items: list[str], n: int = 500) -> Iterator[list[str]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def check_table(table: str, batch_id: str, batch_size: int, mongo_db, mysql_conn, sample_size: int = 50) -> TableCheck:
    """Counts the batch's ids in MongoDB and MySQL and compares a checksum of sampled rows."""
    from bson import ObjectId

    columns, mongo_row, mysql_row, ids_of = SPEC[table]
    ids = ids_of(batch_id, batch_size)
    check = TableCheck(table, len(ids))
    mongo_ids = [ObjectId(i) for i in ids] if table == "users" else ids
    found_mongo = set()
    for chunk in _chunks(mongo_ids):
        found_mongo.update(str(d["_id"]) for d in mongo_db[table].find({"_id": {"$in": chunk}}, {"_id": 1}))
    check.in_mongo = len(found_mongo)
    check.missing_in_mongo = [i for i in ids if i not in found_mongo]
    found_mysql = set()
    cur = mysql_conn.cursor()
    try:
        for chunk in _chunks(ids):
            cur.execute(f"SELECT id FROM `{table}` WHERE id IN ({', '.join(['%s'] * len(chunk))})", chunk)
            found_mysql.update(r[0] for r in cur.fetchall())
        check.in_mysql = len(found_mysql)
        check.missing_in_mysql = [i for i in ids if i not in found_mysql]

        sample = sample_ids(ids, sample_size, batch_id)
        check.sampled = len(sample)
        m_docs = {str(d["_id"]): mongo_row(d) for d in mongo_db[table].find(
            {"_id": {"$in": [ObjectId(i) for i in sample] if table == "users" else sample}})}
        cur.execute(f"SELECT {', '.join(f'`{c}`' for c in columns)} FROM `{table}` WHERE id IN "
                    f"({', '.join(['%s'] * len(sample))})", sample)
        names = [d[0] for d in cur.description]
        s_rows = {r["id"]: mysql_row(r) for r in (dict(zip(names, row)) for row in cur.fetchall())}
    finally:
        cur.close()
    check.mongo_checksum = checksum([m_docs[i] for i in sample if i in m_docs])
    check.mysql_checksum = checksum([s_rows[i] for i in sample if i in s_rows])
    for i in sample:
        a, b = m_docs.get(i), s_rows.get(i)
        if a is None or b is None:
            continue
        for c in columns:
            if a.get(c) != b.get(c):
                check.differences.append(f"{table} {i} column {c}: MongoDB {a.get(c)!r} != MySQL {b.get(c)!r}")
    return check


def reconcile(batch_id: str, batch_size: int, tables: list[str], mongo_db, mysql_connect, timeout: float = 300.0,
              interval: float = 2.0, sample_size: int = 50, log=None) -> list[TableCheck]:
    """Waits until MongoDB and MySQL both hold every row of the batch and the sampled rows agree; returns
    the checks, or raises ``ReconcileError`` with the differences once ``timeout`` has passed."""
    deadline = time.monotonic() + timeout
    last = ""
    while True:
        conn = mysql_connect()
        try:
            checks = [check_table(t, batch_id, batch_size, mongo_db, conn, sample_size) for t in tables]
        finally:
            conn.close()
        line = " | ".join(c.summary() for c in checks)
        if log and line != last:
            log.info("reconcile: %s", line)
            last = line
        if all(c.ok for c in checks):
            return checks
        if time.monotonic() >= deadline:
            raise ReconcileError(
                f"batch {batch_id}: MySQL does not match MongoDB after {timeout:.0f}s:\n"
                + "\n".join(c.details() for c in checks))
        time.sleep(interval)


class ReconcileError(Exception):
    pass
