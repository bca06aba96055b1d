-- MySQL tables written by the mysql-sink connector (Debezium JDBC sink). Applied by the local stack at
-- `./pipeline up`, and by the MySQL container's init scripts in docker/. Idempotent.
--
-- Columns, types, nullability and primary keys must agree with the ApplyTableSchema declarations in
-- connectors/mysql-sink.json (transforms.users.columns / transforms.transactions.columns); the test
-- ConnectorConfigsTest fails when they drift apart.
--
-- Partitioning: the sink upserts and deletes by the record key, which is the document id alone. MySQL
-- requires every unique key of a partitioned table to contain all partitioning columns, and a delete only
-- knows the id, so the only scheme that keeps both working is partitioning by the primary key itself:
-- PARTITION BY KEY(id). It spreads rows and index pages evenly, lets a delete or upsert touch exactly one
-- partition, and allows maintenance per partition. RANGE partitioning by a date (attractive for retention)
-- would force the date into the primary key, and a delete event, which carries only the id, could then no
-- longer address its row.

CREATE TABLE IF NOT EXISTS users (
  id               VARCHAR(24)  NOT NULL COMMENT 'MongoDB _id (ObjectId as 24 hex characters)',
  username         VARCHAR(64)  NOT NULL,
  name             VARCHAR(128) NOT NULL,
  address          VARCHAR(255) NULL,
  birthdate        DATETIME(3)  NULL,
  email_hash       CHAR(64)     NULL COMMENT 'keyed HMAC-SHA256 of the lower-cased e-mail address',
  active           BOOLEAN      NOT NULL DEFAULT FALSE,
  accounts         JSON         NULL,
  tier_and_details JSON         NULL,
  PRIMARY KEY (id),
  KEY idx_users_username (username),
  KEY idx_users_email_hash (email_hash)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci
  PARTITION BY KEY (id) PARTITIONS 8;

CREATE TABLE IF NOT EXISTS transactions (
  id           VARCHAR(64)    NOT NULL COMMENT 'MongoDB _id of the transaction',
  account_id   BIGINT         NOT NULL,
  user_id      VARCHAR(24)    NULL,
  symbol       VARCHAR(16)    NULL,
  kind         VARCHAR(8)     NOT NULL COMMENT 'buy or sell',
  amount       INT            NOT NULL,
  price        DECIMAL(18,6)  NOT NULL,
  total        DECIMAL(20,2)  NOT NULL,
  currency     CHAR(3)        NOT NULL DEFAULT 'USD',
  executed_at  DATETIME(3)    NOT NULL,
  trade_date   DATE           NULL,
  tags         JSON           NULL,
  PRIMARY KEY (id),
  KEY idx_transactions_account_time (account_id, executed_at),
  KEY idx_transactions_user_time (user_id, executed_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci
  PARTITION BY KEY (id) PARTITIONS 16;
