# Production image: the portal under gunicorn; the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-dejavu-core gettext libpango-1.0-0 libpangoft2-1.0-0 curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 ebok
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN DEBUG=1 python manage.py compilemessages -v0 \
 && DEBUG=1 STATIC_MANIFEST=1 python manage.py collectstatic --no-input -v0 \
 && mkdir -p /srv/ebok/private /srv/ebok/bundles/inbox /srv/ebok/bundles/archive /srv/ebok/bundles/outbox \
 && chown -R ebok /srv/ebok /app/var
USER ebok
EXPOSE 8000
CMD ["gunicorn", "portal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
