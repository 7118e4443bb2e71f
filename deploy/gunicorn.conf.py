"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py 'app:create_app()'`.

Every value can be changed from the environment (docs/configuration.md lists them), or
with a command-line option, which wins over this file.
"""

import multiprocessing
import os

from gunicorn.glogging import Logger

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: each request holds one worker, and the app's work is short
# (the slow parts, mail and exports, are outside requests or streamed).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# Exports of 10,000 people finish in seconds; a minute leaves room on a slow day.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced now and then, so that a leak cannot grow for weeks; rarely
# enough that a busy minute (thousands of requests a second) is not spent restarting.
max_requests = 100_000
max_requests_jitter = 10_000
# The heartbeat file in memory, not on a disk that may stall.
SHARED_MEMORY = "/dev/shm"  # noqa: S108 - gunicorn's own heartbeat files, not data
worker_tmp_dir = SHARED_MEMORY if os.path.isdir(SHARED_MEMORY) else None
# Access log on standard output for the service manager's journal; the app logs
# its own lines (JSON in production) with the same request id.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms id=%({x-request-id}o)s'


class AccessLogWithoutSecrets(Logger):
    """Every text a log line may show (request line, path, referrer, headers) with
    the secrets of private links replaced (events.logs.redact_secrets): whoever
    reads the journal must not be able to open someone's registration or ticket."""

    def atoms(self, resp, req, environ, request_time):
        from events.logs import redact_secrets  # imported once the app is loaded

        atoms = super().atoms(resp, req, environ, request_time)
        return {
            name: redact_secrets(value) if isinstance(value, str) else value
            for name, value in atoms.items()
        }


logger_class = AccessLogWithoutSecrets
errorlog = "-"
# Behind a reverse proxy on the same host; TRUSTED_PROXIES tells the app whom to believe.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
