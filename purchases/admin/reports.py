"""Reports of PurchaseAdmin: the spend report page, its CSV, and "Export all matching (CSV)" of the list.

- `reports/spend/` (`admin:purchases_spend_report`): money spent per day or month, by provider, operator or
  Steam user (top N, the rest as "Others"), split as spend.py splits it, with what best-price routing
  saved (a column) and the failovers bought (in the summary; purchases/savings.py), a server-drawn SVG
  chart (report_chart.py) and the table; `reports/spend/csv/` (`admin:purchases_spend_report_csv`) is
  exactly that table as CSV (two decimals, a currency column). The figures come from purchases/reports.py.
- `export-all/` (`admin:purchases_export_all`): every purchase matching the list's current filters and
  search (the ChangeList's own queryset), streamed with export.py's columns, in constant memory.

Anyone who may view purchases (Support, Operators) may open all three. Routed by `get_urls` ahead of the
admin's catch-all `<path:object_id>/`.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone

from ..export import csv_response
from ..money import money
from ..reports import (
    CATEGORIES,
    DEFAULT_DAYS,
    GROUPINGS,
    MAX_DAYS,
    OTHERS,
    PERIODS,
    TOP_CHOICES,
    Figures,
    Line,
    ReportQuery,
    SpendReport,
    default_range,
    next_bucket,
    spend_report,
)
from ..spend import CURRENCY, cents
from .pages import AdminPageMixin
from .report_chart import spend_chart

VIEW_PERMISSION = "purchases.view_purchase"
SAVED = "Saved by best price"
#: the title of the routing column (the header's tooltip); the failovers are counted in the summary
ROUTING_TITLES = {
    SAVED: "The next best provider's quote minus the chosen one's, when each line was created, summed over "
    "the routed lines counted here (a dearer provider chosen by an operator counts against it)",
}


class SpendReportForm(forms.Form):
    first = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    last = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    period = forms.ChoiceField(label="Spend", choices=PERIODS.items())
    group = forms.ChoiceField(label="By", choices=GROUPINGS.items())
    top = forms.TypedChoiceField(
        label="Top", coerce=int, choices=[(n, n) for n in TOP_CHOICES], help_text="operators or Steam users"
    )

    @classmethod
    def from_request(cls, request: HttpRequest) -> SpendReportForm:
        first, last = default_range(timezone.now().date())
        defaults = {"first": first.isoformat(), "last": last.isoformat(), "period": "day"}
        data = {**defaults, "group": "provider", "top": "10"}
        data.update({k: v for k, v in request.GET.items() if k in cls.base_fields and v})
        return cls(data)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, last, period = data.get("first"), data.get("last"), data.get("period")
        if first and last and first > last:
            raise forms.ValidationError("“From” is after “To”.")
        if first and last and period and (last - first).days + 1 > MAX_DAYS[period]:
            words = PERIODS[period].lower()
            raise forms.ValidationError(
                f"At most {MAX_DAYS[period]} days {words}: shorten the range"
                + (" or choose per month." if period == "day" else ".")
            )
        return data

    def report_query(self) -> ReportQuery:
        data = self.cleaned_data
        return ReportQuery(data["first"], data["last"], data["period"], data["group"], data["top"])


def headers(report: SpendReport) -> list[str]:
    """The table's columns, the CSV's header."""
    period = "Month" if report.query.period == "month" else "Day (UTC)"
    parts = [header for _, header, _ in CATEGORIES]
    return [period, GROUPINGS[report.query.group], "Purchases", *parts, "Spent", SAVED, "Currency"]


def period_label(bucket: date, period: str) -> str:
    return bucket.strftime("%Y-%m") if period == "month" else bucket.isoformat()


def table_rows(report: SpendReport, amount=cents) -> list[list[str]]:
    """The table's rows, the lines then the total: `amount` formats money (cents for the CSV)."""
    rows = [
        _row(period_label(line.bucket, report.query.period), line.label, line.figures, amount)
        for line in report.lines
    ]
    if report.lines:
        rows.append(_row("Total", "", report.total, amount))
    return rows


def _row(period: str, label: str, figures: Figures, amount) -> list[str]:
    parts = [amount(figures.amounts[key]) for key, _, _ in CATEGORIES]
    return [period, label, str(figures.count), *parts, amount(figures.spent), amount(figures.saved), CURRENCY]


def csv_text(report: SpendReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers(report))
    writer.writerows(table_rows(report))
    return out.getvalue()


def _shown(value) -> str:
    return money(value, "")


class ReportPagesMixin(AdminPageMixin):
    """PurchaseAdmin's spend report, its CSV, and the list's "Export all matching (CSV)"."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("reports/spend/", view(self.spend_report_view), name="purchases_spend_report"),
            path("reports/spend/csv/", view(self.spend_report_csv_view), name="purchases_spend_report_csv"),
            path("export-all/", view(self.export_all_view), name="purchases_export_all"),
            *super().get_urls(),
        ]

    def spend_report_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied
        form = SpendReportForm.from_request(request)
        context: dict[str, Any] = {
            "form": form,
            "report": None,
            "max_days": MAX_DAYS,
            "default_days": DEFAULT_DAYS,
        }
        if form.is_valid():
            report = spend_report(form.report_query())
            query = urlencode(form.cleaned_data)
            context.update(
                report=report,
                headers=headers(report),
                number_headers=_number_headers(report),
                rows=_html_rows(report),
                chart=spend_chart(report),
                parts=CATEGORIES,
                total_spent=money(report.total.spent, CURRENCY),
                total_saved=money(report.total.saved, CURRENCY),
                currency=CURRENCY,
                csv_url=reverse("admin:purchases_spend_report_csv") + "?" + query,
            )
        return self.render_page(request, "spend_report", "Spend report", context)

    def spend_report_csv_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied
        form = SpendReportForm.from_request(request)
        if not form.is_valid():
            return redirect(reverse("admin:purchases_spend_report") + "?" + request.GET.urlencode())
        report = spend_report(form.report_query())
        if report.refused:
            return HttpResponse(report.refused, status=400, content_type="text/plain; charset=utf-8")
        q = report.query
        name = f"spend-{q.group}-{q.period}-{q.first:%Y%m%d}-{q.last:%Y%m%d}.csv"
        response = HttpResponse(csv_text(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "no-store"
        return response

    def export_all_view(self, request: HttpRequest) -> HttpResponse:
        """Every purchase the list shows for these filters and this search (all pages), streamed."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return redirect(reverse("admin:purchases_purchase_changelist") + "?e=1")
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        return csv_response(changelist.queryset, f"purchases-all-{stamp}.csv")


def _number_headers(report: SpendReport) -> list[tuple[str, str]]:
    """(header, title) of the numeric columns: purchases, the parts (titled with their meaning), spent."""
    titles = {**{header: title for _, header, title in CATEGORIES}, **ROUTING_TITLES}
    return [(header, titles.get(header, "")) for header in headers(report)[2:-1]]


def _html_rows(report: SpendReport) -> list[dict[str, Any]]:
    """The table's rows (the same cells as the CSV's, money shown with separators), each with a link to
    the purchases behind its line (provider or Steam user) and its kind for the style."""
    rows, previous = [], None
    lines = [*report.lines, None] if report.lines else []  # None: the total
    for cells, line in zip(table_rows(report, _shown), lines, strict=True):
        kind = "total" if line is None else ("others" if line.key == OTHERS else "line")
        first = line is not None and line.bucket != previous
        previous = line.bucket if line is not None else previous
        link = _line_link(line, report) if line is not None else ""
        rows.append({"cells": cells, "numbers": cells[2:-1], "link": link, "kind": kind, "first": first})
    return rows


def _line_link(line: Line, report: SpendReport) -> str:
    q = report.query
    if line.key == OTHERS or (q.group != "provider" and not line.search):
        return ""
    end = next_bucket(line.bucket, q.period)
    params = {"created_at__gte": line.bucket.isoformat(), "created_at__lt": end.isoformat()}
    if q.group == "provider":
        params["provider__exact"] = line.key
    else:
        params["q"] = line.search
    return reverse("admin:purchases_purchase_changelist") + "?" + urlencode(params)
