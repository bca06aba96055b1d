#!/usr/bin/env python3
"""The batch job a team would write instead of our pipeline: the benchmarks' peer.

It reads the whole MongoDB `users` collection with pymongo and writes the same rows as our pipeline (same
columns, same HMAC of the e-mail address, arrays and sub-documents as JSON text) into a MySQL table with the
same upsert (INSERT ... ON DUPLICATE KEY UPDATE), in batches: mysqlclient turns executemany of one INSERT into
multi-row statements. It prints one JSON line: rows, seconds, rows_per_s, cpu_s, max_rss_mib.

The secrets come from the environment (BATCH_PEER_MYSQL_PASSWORD, BATCH_PEER_HMAC_SECRET), never from the
command line. Run by LegsBenchmark (./pipeline bench legs); usable alone against any MongoDB and MySQL.
"""
import argparse
import hashlib
import hmac
import json
import os
import resource
import sys
import time

import MySQLdb
import pymongo
from bson import json_util

COLUMNS = ("id", "username", "name", "address", "birthdate", "email_hash", "active", "accounts",
           "tier_and_details")


def to_row(doc, secret):
    """One users row from one MongoDB document, as ApplyTableSchema and ProtectFields make it."""
    email = doc.get("email")
    email_hash = None
    if email is not None:
        email_hash = hmac.new(secret, email.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()
    birthdate = doc.get("birthdate")
    return (
        str(doc["_id"]),
        doc["username"],
        doc["name"],
        doc.get("address"),
        birthdate.replace(tzinfo=None) if birthdate is not None else None,
        email_hash,
        bool(doc.get("active", False)),
        json_util.dumps(doc["accounts"], json_options=json_util.RELAXED_JSON_OPTIONS) if "accounts" in doc else None,
        json_util.dumps(doc["tier_and_details"], json_options=json_util.RELAXED_JSON_OPTIONS)
        if "tier_and_details" in doc else None,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mongo-uri", required=True)
    parser.add_argument("--mongo-database", default="pipeline")
    parser.add_argument("--collection", default="users")
    parser.add_argument("--mysql-host", default="127.0.0.1")
    parser.add_argument("--mysql-port", type=int, required=True)
    parser.add_argument("--mysql-user", required=True)
    parser.add_argument("--mysql-database", default="pipeline")
    parser.add_argument("--table", default="users_batch_peer")
    parser.add_argument("--batch-size", type=int, default=2000)
    args = parser.parse_args()
    password = os.environ.get("BATCH_PEER_MYSQL_PASSWORD")
    secret = os.environ.get("BATCH_PEER_HMAC_SECRET")
    if password is None or secret is None:
        sys.exit("batch_peer: BATCH_PEER_MYSQL_PASSWORD and BATCH_PEER_HMAC_SECRET must be set")

    upsert = "INSERT INTO {} ({}) VALUES ({}) ON DUPLICATE KEY UPDATE {}".format(
        args.table, ", ".join(COLUMNS), ", ".join(["%s"] * len(COLUMNS)),
        ", ".join("{0}=VALUES({0})".format(c) for c in COLUMNS[1:]))
    mongo = pymongo.MongoClient(args.mongo_uri, tz_aware=True)
    mysql = MySQLdb.connect(host=args.mysql_host, port=args.mysql_port, user=args.mysql_user, password=password,
                            database=args.mysql_database, charset="utf8mb4")
    started = time.monotonic()
    rows = 0
    batch = []
    with mysql.cursor() as cursor:
        for doc in mongo[args.mongo_database][args.collection].find(batch_size=args.batch_size):
            batch.append(to_row(doc, secret.encode("utf-8")))
            if len(batch) == args.batch_size:
                cursor.executemany(upsert, batch)
                mysql.commit()
                rows += len(batch)
                batch.clear()
        if batch:
            cursor.executemany(upsert, batch)
            mysql.commit()
            rows += len(batch)
    seconds = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"rows": rows, "seconds": round(seconds, 3), "rows_per_s": round(rows / seconds, 1),
                      "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
                      "max_rss_mib": round(usage.ru_maxrss / 1024, 1)}))
    mysql.close()
    mongo.close()


if __name__ == "__main__":
    main()
