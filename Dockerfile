# syntax=docker/dockerfile:1
#
# biddaemon in a container: `docker build -t biddaemon .` then
#   docker run -d --name biddaemon --env-file biddaemon.env -v biddaemon-data:/var/lib/biddaemon biddaemon
# The default SQLite database lands in the /var/lib/biddaemon volume; set
# BIDDAEMON_DATABASE_URL for PostgreSQL (deploy/docker-compose.yml). docs/operations.md has more.

ARG PYTHON_IMAGE=python:3.12-slim-bookworm

# --- build: a wheel from the source, installed with its dependencies into a virtualenv --------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml README.md alembic.ini constraints.txt ./
COPY biddaemon ./biddaemon
COPY migrations ./migrations
# The wheel carries the Alembic migrations as biddaemon/_migrations, so the installed package
# can migrate without this source tree; constraints.txt pins every dependency to the versions
# biddaemon was tested with.
RUN python -m pip wheel --no-cache-dir --no-deps --wheel-dir /dist . \
 && python -m venv /opt/biddaemon/venv \
 && /opt/biddaemon/venv/bin/python -m pip install --no-cache-dir -c constraints.txt \
      /dist/biddaemon-*.whl \
 && /opt/biddaemon/venv/bin/biddaemon --version

# --- runtime: the virtualenv on the same slim base, run as an unprivileged user ----------------
FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="biddaemon" \
      org.opencontainers.image.description="Unattended, safe bidding into the Piclo Flex flexibility market" \
      org.opencontainers.image.licenses="Apache-2.0"

RUN groupadd --system --gid 10001 biddaemon \
 && useradd --system --uid 10001 --gid biddaemon --no-create-home \
      --home-dir /var/lib/biddaemon --shell /usr/sbin/nologin biddaemon \
 && install -d -o biddaemon -g biddaemon -m 0700 /var/lib/biddaemon

COPY --from=build /opt/biddaemon/venv /opt/biddaemon/venv

# Migrations are applied at start (BIDDAEMON_AUTO_MIGRATE); logs are JSON lines on stderr.
ENV PATH=/opt/biddaemon/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    BIDDAEMON_AUTO_MIGRATE=true \
    BIDDAEMON_LOG_FORMAT=json

# The working directory is the data volume: the default database is ./biddaemon.db.
WORKDIR /var/lib/biddaemon
VOLUME ["/var/lib/biddaemon"]
USER 10001:10001

# The health endpoint (/healthz, /metrics, and the dashboard at /) listens on 127.0.0.1:9317
# inside the container; to scrape it from elsewhere set BIDDAEMON_HEALTH__HOST=0.0.0.0 and
# BIDDAEMON_HEALTH__DASHBOARD_TOKEN (the pages' token, required off loopback), publish the port.
EXPOSE 9317
# Reconciliation with the market can take a few minutes of retries before the first success.
HEALTHCHECK --interval=30s --timeout=10s --start-period=5m --retries=3 \
  CMD ["biddaemon", "healthcheck"]

# SIGTERM starts the daemon's 10-second graceful shutdown: give `docker stop` at least 20 s
# (`docker stop -t 20`, compose `stop_grace_period: 20s`).
STOPSIGNAL SIGTERM
ENTRYPOINT ["biddaemon"]
CMD ["run"]
