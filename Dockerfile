# O2C image for docker-compose.yml: one image for web (gunicorn), worker and beat (Celery).
FROM python:3.11-slim-bookworm

# PYTHONPATH: run the code in /app (templates/, static/ and locale/ are found next to it), not
# the copy `pip install .` puts in site-packages.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    STATIC_ROOT=/var/lib/o2c/static \
    MEDIA_ROOT=/var/lib/o2c/media

# WeasyPrint's text layout and images, and a CJK font for Chinese PDFs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libjpeg62-turbo fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

# Runs as `o2c`; it may write only the collected static files, uploads/PDFs and beat's schedule.
RUN useradd --system --user-group --create-home --home-dir /home/o2c --shell /usr/sbin/nologin o2c \
    && install -d -o o2c -g o2c /var/lib/o2c/static /var/lib/o2c/media /var/lib/o2c/beat

WORKDIR /app

# Dependencies first (pyproject.toml is the list), so a code change doesn't reinstall them.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -c constraints.txt -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .
RUN pip install -c constraints.txt . \
    && rm -rf build ./*.egg-info \
    && chmod 0755 docker/entrypoint.sh

USER o2c
# Collected at build time too, so the worker (PDF templates) has the static manifest.
RUN SECRET_KEY=collectstatic-at-build-time-only python manage.py collectstatic --noinput -v 0

EXPOSE 8000
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["web"]
