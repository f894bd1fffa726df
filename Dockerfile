FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* && pip install --no-cache-dir uv==0.13.9
WORKDIR /srv/werkstatt
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY werkstatt ./werkstatt
COPY methods ./methods
COPY templates ./templates
COPY static ./static
RUN uv sync --frozen --no-dev && useradd --system --home /data werkstatt && mkdir -p /data && chown werkstatt /data
USER werkstatt
EXPOSE 8000
CMD ["werkstatt", "serve"]
