# Production image: the portal under gunicorn; the same image runs the migrations, the
# Celery worker and beat (docker-compose.yml). tests/portal/test_production_set.py runs
# these steps in a clean virtualenv (no container engine on the development machine).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY scripts/system-packages.sh /usr/local/bin/ebok-system-packages
RUN ebok-system-packages image \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 ebok
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN scripts/build-image.sh
USER ebok
EXPOSE 8000
CMD ["gunicorn", "-c", "portal/gunicorn.conf.py", "portal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
