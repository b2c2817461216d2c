#!/bin/sh
# plexadmin's one way to start in production. The container image (ENTRYPOINT), compose.yaml,
# the systemd units and the production smoke test all run these same commands, so what CI
# checks is what runs.
#
#   entrypoint.sh web            gunicorn (deploy/gunicorn.conf.py)
#   entrypoint.sh worker         a Celery worker
#   entrypoint.sh beat           Celery beat (with Redis, a second one waits on the RedBeat lock)
#   entrypoint.sh migrate        check --deploy, then apply migrations (before web/worker/beat)
#   entrypoint.sh collectstatic  static files for WhiteNoise (run when the image is built)
#   entrypoint.sh healthcheck    exit 0 when this host's web answers /healthz with 200
#   entrypoint.sh worker-healthcheck  exit 0 when this host's worker answers a ping
#   entrypoint.sh manage ARGS    any manage.py command (backup, restore, rotate_token_keys…)
#   entrypoint.sh OTHER ARGS     runs OTHER (a shell, for instance)
#
# Stopping: every process here exits cleanly on SIGTERM. gunicorn finishes its requests; the
# worker makes a warm shutdown (finishes the tasks it runs, hands back the ones it had only
# reserved); beat releases the RedBeat lock so a standby beat takes over at once.
set -eu

APP_DIR=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
cd "$APP_DIR"
# A source checkout keeps its virtualenv in .venv; the image has /opt/venv/bin on PATH.
if [ -x "$APP_DIR/.venv/bin/python" ]; then
  PATH="$APP_DIR/.venv/bin:$PATH"
  export PATH
fi

# placeholder NAME VALUE: give NAME a value for this command only when neither NAME nor
# NAME_FILE is set (collectstatic loads the production settings, which insist on secrets it
# never uses).
placeholder() {
  if eval "[ -z \"\${$1+set}\" ] && [ -z \"\${$1_FILE+set}\" ]"; then
    export "$1=$2"
  fi
}

command=${1:-web}
[ $# -gt 0 ] && shift

case "$command" in
  web)
    exec gunicorn --config "$APP_DIR/deploy/gunicorn.conf.py" plexadmin.wsgi "$@"
    ;;
  worker)
    exec celery -A plexadmin worker --loglevel="${LOG_LEVEL:-INFO}" \
      --concurrency="${WORKER_CONCURRENCY:-2}" "$@"
    ;;
  beat)
    exec celery -A plexadmin beat --loglevel="${LOG_LEVEL:-INFO}" "$@"
    ;;
  migrate)
    python manage.py check --deploy --fail-level WARNING
    exec python manage.py migrate --no-input "$@"
    ;;
  collectstatic)
    placeholder SECRET_KEY "static-files-only-never-used-to-sign-anything-0123456789"
    placeholder TOKEN_ENCRYPTION_KEYS "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    placeholder PUBLIC_BASE_URL "https://static-files.invalid"
    placeholder PLEX_CLIENT_IDENTIFIER "static-files-only"
    exec python manage.py collectstatic --no-input "$@"
    ;;
  healthcheck)
    # Ask /healthz the way the reverse proxy does (its Host, X-Forwarded-Proto: https), so the
    # production host check and HTTPS redirect answer as they do for real requests.
    exec python - "$@" <<'PY'
import os
import sys
import urllib.error
import urllib.request
from urllib.parse import urlsplit

path = os.environ.get("PUBLIC_BASE_URL_FILE")
public = open(path).read().strip() if path else os.environ.get("PUBLIC_BASE_URL", "")
bind = os.environ.get("PLEXADMIN_BIND", "127.0.0.1:8000")
port = bind.rsplit(":", 1)[-1]
request = urllib.request.Request(
    f"http://127.0.0.1:{port}/healthz",
    headers={
        "Host": urlsplit(public).netloc or "localhost",
        "X-Forwarded-Proto": "https",
    },
)
try:
    with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - loopback only
        status = answer.status
except urllib.error.HTTPError as error:
    status = error.code
except OSError as error:
    print(f"healthz: {error}", file=sys.stderr)
    sys.exit(1)
print(f"healthz: {status}")
sys.exit(0 if status == 200 else 1)
PY
    ;;
  worker-healthcheck)
    exec celery -A plexadmin inspect ping --destination "celery@$(hostname)" --timeout 10
    ;;
  manage)
    exec python manage.py "$@"
    ;;
  *)
    exec "$command" "$@"
    ;;
esac
