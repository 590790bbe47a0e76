# syntax=docker/dockerfile:1

# ---------------------------------------------------------------- builder
# Builds wheels for the project and all of its dependencies.
FROM python:3.11-slim AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /src
COPY . .
RUN pip wheel . -w /wheels

# ---------------------------------------------------------------- runtime
FROM python:3.11-slim

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

# Install from the builder's wheels only (no index); the wheels are bind-mounted
# so they do not end up in a layer of the final image.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels jp-open-data-catalog

RUN groupadd --system --gid 10001 catalog \
 && useradd --system --uid 10001 --gid 10001 \
        --home-dir /var/lib/catalog --no-create-home --shell /usr/sbin/nologin catalog \
 && mkdir -p /var/lib/catalog \
 && chown catalog:catalog /var/lib/catalog

WORKDIR /var/lib/catalog
ENV CATALOG_DATABASE_URL=sqlite:////var/lib/catalog/catalog.db

EXPOSE 8000
USER catalog

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]

CMD ["sh", "-c", "catalog init && catalog serve --host 0.0.0.0 --port 8000"]
