FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
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
RUN pip install --no-cache-dir .
USER nobody
