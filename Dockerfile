# syntax=docker/dockerfile:1
# The hub as a container: `docker build -t crm-hub .` then
# `docker run -p 8000:8000 -e HUB_DATABASE_URL=... -e HUB_SECRET_KEY=... crm-hub`.
# Without HUB_DATABASE_URL it runs on the embedded SQLite file in the /data volume.

FROM python:3.11-slim AS build
WORKDIR /src
RUN pip install --no-cache-dir --upgrade pip build
COPY pyproject.toml README.md ./
COPY hub ./hub
COPY connectors ./connectors
COPY webhooks ./webhooks
COPY oauth ./oauth
COPY core_features ./core_features
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HUB_HOST=0.0.0.0 \
    HUB_PORT=8000 \
    HUB_DATA_DIR=/data
RUN groupadd --system hub && useradd --system --gid hub --home-dir /data --shell /usr/sbin/nologin hub \
    && mkdir -p /data && chown hub:hub /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER hub
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"HUB_PORT\"]}/health', timeout=2)"
CMD ["hub", "serve"]
