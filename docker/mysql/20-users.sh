#!/bin/bash
# MySQL init script of docker/compose.yaml, run ONCE by the official mysql image's entry point, on an empty
# data directory, after 10-schema.sql (connect-configs/mysql/schema.sql) created the tables in `pipeline`.
# Sourced by that entry point (not executable), so docker_process_sql runs SQL as root over the socket.
#
# Least-privilege users, both only over TLS:
#   pipeline_sink    SELECT, INSERT, UPDATE, DELETE on pipeline.*   (the mysql-sink connector: upsert + delete;
#                    no CREATE/ALTER because schema.evolution=none, never DROP, FILE or SUPER)
#   pipeline_reader  SELECT on pipeline.*                           (Airflow: reconcile)
# Passwords come from the compose secrets mysql_sink_password and mysql_reader_password.

mongorow_secret() {
  local v
  v="$(tr -d '\r\n' < "/run/secrets/$1")" || { mysql_error "compose secret $1 is missing"; }
  [[ "$v" =~ ^[A-Za-z0-9._~-]+$ ]] || mysql_error "compose secret $1 is empty or holds characters outside [A-Za-z0-9._~-]"
  printf '%s' "$v"
}

mysql_note "mongorow: creating the least-privilege users pipeline_sink and pipeline_reader (TLS required)"
docker_process_sql --database=mysql <<SQL
CREATE USER IF NOT EXISTS 'pipeline_sink'@'%' IDENTIFIED BY '$(mongorow_secret mysql_sink_password)' REQUIRE SSL;
REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'pipeline_sink'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON \`pipeline\`.* TO 'pipeline_sink'@'%';
CREATE USER IF NOT EXISTS 'pipeline_reader'@'%' IDENTIFIED BY '$(mongorow_secret mysql_reader_password)' REQUIRE SSL;
REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'pipeline_reader'@'%';
GRANT SELECT ON \`pipeline\`.* TO 'pipeline_reader'@'%';
SQL
