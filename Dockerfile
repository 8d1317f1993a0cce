# Xietong's image: the hub (`xietong serve`), its CLI and the sandbox departments.
# Built from the package registry only: the locked, hash-checked dependencies
# (requirements.lock) and this source tree; nothing else is downloaded.
#   docker build -t xietong .
#   docker run --rm -p 8000:8000 -e XIETONG_DATABASE_URL=postgresql://... xietong
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY requirements.lock ./
RUN python -m venv /opt/xietong \
 && /opt/xietong/bin/pip install --require-hashes -r requirements.lock
COPY . .
RUN /opt/xietong/bin/pip install --no-deps . \
 && /opt/xietong/bin/xietong --version

FROM python:3.11-slim
ENV PATH=/opt/xietong/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    XIETONG_DATA_DIR=/var/lib/xietong
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/xietong --create-home xietong \
 && install -d -o xietong -g xietong /var/lib/xietong/sandbox
COPY --from=build /opt/xietong /opt/xietong
USER xietong
WORKDIR /var/lib/xietong
EXPOSE 8000
# Ready: the hub's store takes writes (and Redis answers, when configured).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/readyz', timeout=2)"]
CMD ["xietong", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
