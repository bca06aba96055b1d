#!/usr/bin/env bash
# Creates or updates the Python environment of the Airflow package (default: <repo>/.venv) from
# airflow/requirements-lock.txt, only when the lock (or pyproject.toml) changed since the last run.
#
#   airflow/bootstrap.sh            create/update the venv if needed (idempotent; prints progress)
#   airflow/bootstrap.sh --relock   resolve airflow/requirements.txt in a scratch venv and rewrite the lock
#
# Environment: MONGOROW_VENV (venv folder), PYTHON (interpreter, default python3.11 or python3).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
venv="${MONGOROW_VENV:-$root/.venv}"
lock="$here/requirements-lock.txt"
say() { printf '[airflow-bootstrap] %s\n' "$*"; }

python_bin="${PYTHON:-}"
if [ -z "$python_bin" ]; then
  if command -v python3.11 >/dev/null 2>&1; then python_bin=python3.11; else python_bin=python3; fi
fi

# mysqlclient (required by the MySQL provider) is built from source: it needs the MariaDB client headers.
ensure_build_deps() {
  if pkg-config --exists libmariadb 2>/dev/null || pkg-config --exists mysqlclient 2>/dev/null; then
    return
  fi
  say "installing the MariaDB client headers (libmariadb-dev, pkg-config) for mysqlclient"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends libmariadb-dev pkg-config build-essential >/dev/null
}

mysqlclient_flags() {
  if ! pkg-config --exists mysqlclient 2>/dev/null && pkg-config --exists libmariadb 2>/dev/null; then
    export MYSQLCLIENT_CFLAGS="$(pkg-config --cflags libmariadb)"
    export MYSQLCLIENT_LDFLAGS="$(pkg-config --libs libmariadb)"
  fi
}

if [ "${1:-}" = "--relock" ]; then
  ensure_build_deps; mysqlclient_flags
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
  say "resolving $here/requirements.txt in a scratch venv"
  "$python_bin" -m venv "$scratch/venv"
  "$scratch/venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt"
  {
    echo "# Fully resolved lock of airflow/requirements.txt (pip freeze after a clean install, Python 3.11)."
    echo "# Regenerate with: airflow/bootstrap.sh --relock"
    "$scratch/venv/bin/pip" freeze --disable-pip-version-check | grep -v -iE '^(mongorow-airflow|-e )'
  } > "$lock"
  say "wrote $lock ($(grep -vc '^#' "$lock") packages)"
  exit 0
fi

stamp_file="$venv/.mongorow-lock.sha256"
want="$(cat "$lock" "$here/pyproject.toml" | sha256sum | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$want" ]; then
  say "venv $venv is up to date with requirements-lock.txt"
  exit 0
fi

ensure_build_deps; mysqlclient_flags
if [ ! -x "$venv/bin/python" ]; then
  say "creating venv $venv ($("$python_bin" --version 2>&1))"
  "$python_bin" -m venv "$venv"
fi
say "installing requirements-lock.txt and the mongorow-airflow package (editable); this takes a few minutes the first time"
"$venv/bin/pip" install -q --disable-pip-version-check -r "$lock" -e "$here"
echo "$want" > "$stamp_file"
say "venv ready: $venv"
