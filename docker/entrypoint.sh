#!/bin/sh
# `web` (the default): bring the database schema up to date, then serve. Static files were
# collected into the image at build time.
# Anything else (celery worker / beat, python manage.py ...) runs as given.
set -eu

if [ "${1:-web}" = "web" ]; then
    python manage.py migrate --noinput
    exec gunicorn config.wsgi \
        --bind 0.0.0.0:8000 \
        --workers "${GUNICORN_WORKERS:-3}" \
        --access-logfile -
fi

exec "$@"
