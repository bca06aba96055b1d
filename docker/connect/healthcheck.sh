#!/bin/sh
# Health of one Connect worker: GET /health (200 once the worker has joined the group and read its config
# topic) over HTTPS, with the basic-auth user admin of the compose secret connect_rest_users.
set -eu
pw="$(sed -n 's/^admin: *//p' /run/secrets/connect_rest_users | tr -d '\r\n')"
auth="$(printf 'admin:%s' "$pw" | base64 | tr -d '\n')"
exec wget -q -O /dev/null --no-check-certificate --header "Authorization: Basic $auth" https://127.0.0.1:8083/health
