"""Polish date formats for Django's own rendering (admin lists, read-only fields, date
filters): the portal's "03.12.2026" and "03.12.2026 08:46" instead of Django's "3 grudnia
2026 08:46" (issue 14 item 14; templates and PDFs use portal.formats the same way)."""

DATE_FORMAT = "d.m.Y"
DATETIME_FORMAT = "d.m.Y H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
