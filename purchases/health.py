"""`/healthz`: is the database answering, and when did the task cluster last sync."""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


@never_cache
@require_GET
def healthz(request):
    ok = database_ok()
    return JsonResponse({"status": "ok" if ok else "error", "database": ok}, status=200 if ok else 503)
