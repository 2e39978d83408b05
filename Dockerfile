FROM python:3.11-slim
# /app belongs to root and is read-only for the user the image runs as. The only writable places are the ones
# named here: MIGRATOR_VAR_DIR (used only by the embedded mode's SQLite file and filesystem broker; production
# uses PostgreSQL and Redis, so nothing is written there). Static files are collected at build time.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=migrator.settings.production \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    MIGRATOR_VAR_DIR=/var/lib/cartmigrate
WORKDIR /app
COPY pyproject.toml README.md ./
COPY migrator migrator
COPY accounts accounts
COPY migrations_app migrations_app
COPY connectors connectors
COPY sandbox sandbox
COPY templates templates
COPY static static
COPY manage.py ./
COPY bin bin
COPY support support
RUN pip install --no-cache-dir .
# Production settings refuse to load without their secrets: placeholders for this build step only (collectstatic
# neither encrypts nor signs anything); the real ones come from the environment at run time.
RUN DJANGO_SECRET_KEY=collectstatic-only DJANGO_ALLOWED_HOSTS=localhost MIGRATOR_ENCRYPTION_KEY=collectstatic-only \
    CELERY_BROKER_URL=redis://unused python manage.py collectstatic --noinput \
 && mkdir -p "$MIGRATOR_VAR_DIR" && chown nobody:nogroup "$MIGRATOR_VAR_DIR"
USER nobody
