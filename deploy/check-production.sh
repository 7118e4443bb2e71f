#!/usr/bin/env bash
# Follows docs/deploying.md step by step on this machine, with
# throw-away settings: a new PostgreSQL database, an SMTP sink and gunicorn on
# loopback. CI runs it after `make test`; it stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_ADMIN=${TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test}
NAME="deploycheck_$$"
VENV=.venv
free_port() { "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
WEB_PORT=$(free_port)
SMTP_PORT=$(free_port)
WORK=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS \"$NAME\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }

step "0. A database and a mail server (here: throw-away ones on loopback)"
psql "$PG_ADMIN" -qc "CREATE DATABASE \"$NAME\""
mkdir -p "$WORK/maildir/tmp" "$WORK/maildir/new" "$WORK/maildir/cur"
"$VENV/bin/python" -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$WORK/maildir" &
pids+=($!)

step "1. The settings (docs/deploying.md, step 1)"
export APP_ENV=production
export SECRET_KEY; SECRET_KEY=$("$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(48))')
export DATABASE_URL="${PG_ADMIN%/*}/$NAME"
export BASE_URL=https://wydarzenia.example.org TRUSTED_PROXIES=1
export MAIL_SERVER=127.0.0.1 MAIL_PORT=$SMTP_PORT MAIL_DEFAULT_SENDER="Działamy Razem <rejestracja@example.org>"
export CONTROLLER_NAME="Stowarzyszenie (sprawdzenie wdrożenia)" CONTROLLER_ADDRESS="ul. Przykładowa 1, 60-001 Poznań" CONTROLLER_EMAIL=iod@example.org
export RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0 RATELIMIT_KEY_PREFIX="deploycheck_$$"
export GUNICORN_BIND="127.0.0.1:$WEB_PORT" WEB_CONCURRENCY=2

step "   Production refuses a default secret key"
if SECRET_KEY=short "$VENV/bin/flask" --app app routes >/dev/null 2>"$WORK/refusal"; then
  echo "production started with a short SECRET_KEY"; exit 1
fi
grep -q "SECRET_KEY must be set" "$WORK/refusal"

step "2. Install and migrate"
"$VENV/bin/pip" install --quiet -r requirements.txt
"$VENV/bin/pybabel" compile -d translations >/dev/null
"$VENV/bin/flask" --app app db upgrade

step "3. An organizer account"
printf 'zielony balkon nad rzeka\n' | "$VENV/bin/flask" --app app create-user organizator@example.org --role organizer --password-stdin

step "4. gunicorn with deploy/gunicorn.conf.py, and the outbox worker"
"$VENV/bin/gunicorn" --config deploy/gunicorn.conf.py --access-logfile "$WORK/access.log" 'app:create_app()' &
pids+=($!)
"$VENV/bin/flask" --app app outbox-worker --interval 1 >"$WORK/worker.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do curl -fsS "http://$GUNICORN_BIND/healthz" >/dev/null 2>&1 && break; sleep 0.5; done

step "5. Checks: health, pages, request ids in the access log"
curl -fsS "http://$GUNICORN_BIND/healthz" | tee "$WORK/health"; echo
grep -q '"status":"ok"' "$WORK/health"
curl -fsS -o /dev/null -H 'X-Forwarded-Proto: https' "http://$GUNICORN_BIND/"
curl -fsS -o /dev/null "http://$GUNICORN_BIND/login"
headers=$(curl -fsS -D - -o /dev/null -H 'X-Forwarded-Proto: https' "http://$GUNICORN_BIND/privacy")
request_id=$(echo "$headers" | tr -d '\r' | sed -n 's/^[Xx]-[Rr]equest-[Ii][Dd]: //p')
test -n "$request_id"
sleep 1  # the access log line is written after the answer
grep -q "id=$request_id" "$WORK/access.log"

step "   Mail: the demo programme's messages, through the outbox worker to the mail server"
"$VENV/bin/flask" --app app seed-demo
for _ in $(seq 1 60); do [ -n "$(ls -A "$WORK/maildir/new" 2>/dev/null)" ] && break; sleep 1; done
delivered=$(ls "$WORK/maildir/new" | wc -l)
echo "$delivered message(s) delivered"
test "$delivered" -gt 0
curl -fsS "http://$GUNICORN_BIND/healthz" | grep -q '"status":"ok"'

step "6. A backup"
"$VENV/bin/flask" --app app backup "$WORK/events.backup"
test -s "$WORK/events.backup"

echo
echo "The production steps of docs/deploying.md work."
