# syntax=docker/dockerfile:1
# plexadmin: one image for web, worker and beat; the command chooses (deploy/entrypoint.sh).
# Build: docker compose build (or docker build -t plexadmin:local .).

ARG PYTHON_IMAGE=python:3.13-slim-trixie

# --- build: the virtualenv, with nothing of the build tooling left behind ----------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --requirement /tmp/requirements.txt

# --- runtime -------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

# pg_dump, pg_restore and psql for `manage.py backup` / `restore` (trixie's client is
# PostgreSQL 17, the server compose.yaml runs: pg_dump refuses a newer server). Not pinned to
# a Debian revision: those leave the archive with each security update and break the build.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install --yes --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 plexadmin \
    && useradd --system --uid 10001 --gid plexadmin --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin plexadmin

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PLEXADMIN_ENV=production \
    PLEXADMIN_VAR_DIR=/app/var \
    PLEXADMIN_STATIC_ROOT=/app/static-root \
    PLEXADMIN_BIND=0.0.0.0:8000

COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY . /app
# Static files are collected into the image (outside the data volume) as the smoke test does:
# the same entrypoint command, with placeholder secrets that exist only for this step.
RUN mkdir -p /app/var \
    && /app/deploy/entrypoint.sh collectstatic --verbosity 0 \
    && chown -R plexadmin:plexadmin /app/var

USER 10001:10001
EXPOSE 8000
# SIGTERM: gunicorn finishes its requests, the worker makes a warm shutdown, beat releases its
# lock. compose.yaml gives each service a stop grace period longer than that takes.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["/app/deploy/entrypoint.sh", "healthcheck"]
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["web"]
