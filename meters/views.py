"""Tenant pages of meters: the meters of a unit, submitting a reading, history,
consumption chart and CSV. Every lookup goes through a scoped selector."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedRequest
from accounts.selectors import unit_for_user, units_for_user
from meters import photos, selectors, services
from meters.chart import monthly_chart
from meters.formats import format_quantity, format_reading_value
from meters.forms import PeriodForm, ReadingForm, new_submission_token
from meters.models import Meter
from meters.window import window_state
from portal.files import serve_private_file
from portal.formats import format_date
from portal.forms import form_add_service_errors
from portal.spreadsheet import csv_date, csv_month, csv_number, csv_response, csv_text

READINGS_PER_PAGE = 100


def _readings_page(request: HttpRequest, meters: list[Meter], first: dt.date, last: dt.date) -> dict[str, object]:
    """One page of the period's readings (a daily radio meter has 3,650 in ten years; the CSV has all)."""
    page = Paginator(selectors.readings_in_period(meters, first, last), READINGS_PER_PAGE).get_page(
        request.GET.get("strona")
    )
    query = request.GET.copy()
    query.pop("strona", None)
    return {
        "readings": page.object_list,
        "page": page,
        "submissions": selectors.submissions_by_reading(page.object_list),
        "query": query.urlencode(),
    }


@login_required
def meter_index(request: AuthenticatedRequest) -> HttpResponse:
    """Meters of all the user's units (the user menu's "Liczniki")."""
    units = list(units_for_user(request.user))
    return render(request, "meters/index.html", {"units": units})


@login_required
def unit_meters(request: AuthenticatedRequest, unit_id: int) -> HttpResponse:
    unit = unit_for_user(request.user, unit_id)
    return render(request, "meters/unit.html", {"unit": unit})


# --- submitting a reading -----------------------------------------------------------------------


def _fresh_form(today: dt.date) -> ReadingForm:
    return ReadingForm(initial={"read_on": today, "token": new_submission_token()}, today=today)


def _submitted_message(submitted: services.Submitted, meter: Meter) -> str:
    reading = submitted.reading
    if submitted.created:
        text = _("Przyjęliśmy odczyt %(value)s %(unit)s z %(date)s. Czeka na potwierdzenie przez biuro.")
    else:
        text = _("Ten odczyt (%(value)s %(unit)s z %(date)s) był już zapisany; nie dodaliśmy go drugi raz.")
    return text % {
        "value": format_quantity(reading.value),
        "unit": meter.measure_unit,
        "date": format_date(reading.read_on),
    }


@login_required
@require_http_methods(["GET", "POST"])
def reading_new(request: AuthenticatedRequest, meter_id: int) -> HttpResponse:
    meter = selectors.meter_for_user(request.user, meter_id)
    today = timezone.localdate()
    state = window_state(today)
    refusal = meter.reading_refusal(today)
    context = {"meter": meter, "state": state, "refusal": refusal, "implausible": None, "stashed": None}
    if not state.open or refusal:
        return render(request, "meters/reading_form.html", context)
    form = _fresh_form(today)
    if request.method == "POST":
        form = ReadingForm(request.POST, request.FILES, today=today)
        if form.is_valid():
            data = form.cleaned_data
            token = data["token"]
            stashed = photos.photo_stashed(request, token=token)
            photo = data["photo"] or (stashed.open() if stashed else None)
            submitted = None
            try:
                submitted = services.reading_submit(
                    meter=meter,
                    user=request.user,
                    value=data["value"],
                    read_on=data["read_on"],
                    photo=photo,
                    confirmed_implausible=data["confirm"] and form.confirmed_value() == data["value"],
                    idempotency_key=token,
                    request=request,
                )
            except services.ImplausibleReading as exc:
                # The second step: the same form (same token) with the question and the checkbox.
                if data["photo"]:
                    stashed = photos.photo_stash(request, token=token, upload=data["photo"])
                form = ReadingForm(
                    initial={
                        "value": data["value"],
                        "read_on": data["read_on"],
                        "token": token,
                        "confirm_value": format_reading_value(data["value"]),
                    },
                    today=today,
                )
                context.update(implausible=exc, stashed=stashed)
            except ValidationError as exc:
                form_add_service_errors(form, exc)
                if any(e.code == "token_used" for e in getattr(exc, "error_list", [])):
                    fresh = request.POST.copy()
                    fresh["token"] = new_submission_token()
                    form.data = fresh
            finally:
                if photo is not None:
                    photo.close()
            if submitted is not None:
                photos.photo_discard(request, token=token)
                messages.success(request, _submitted_message(submitted, meter))
                return redirect("meters:meter", meter_id=meter.pk)
    context["form"] = form
    context["last"] = selectors.last_point(selectors.measured_points([meter])[meter.external_id])
    return render(request, "meters/reading_form.html", context)


# --- history ------------------------------------------------------------------------------------


@login_required
def meter_history(request: AuthenticatedRequest, meter_id: int) -> HttpResponse:
    meter = selectors.meter_for_user(request.user, meter_id)
    today = timezone.localdate()
    period = PeriodForm(request.GET or None, today=today)
    first, last = period.period()
    points = selectors.measured_points([meter])[meter.external_id]
    months = selectors.monthly_usage(meter, points, first, last)
    return render(
        request,
        "meters/meter_history.html",
        {
            "meter": meter,
            "row": selectors.meter_rows([meter], today)[0],
            "state": window_state(today),
            "period": period,
            "first": first,
            "last": last,
            "months": months,
            "chart": monthly_chart(months, chart_id=f"wykres-{meter.pk}", subject=str(meter), unit=meter.measure_unit),
            **_readings_page(request, [meter], first, last),
        },
    )


@login_required
def unit_history(request: AuthenticatedRequest, unit_id: int) -> HttpResponse:
    unit = unit_for_user(request.user, unit_id)
    today = timezone.localdate()
    period = PeriodForm(request.GET or None, today=today)
    first, last = period.period()
    meters = selectors.meters_of_unit(unit)
    points = selectors.measured_points(meters)
    media = []
    for medium, months in selectors.monthly_usage_by_medium(meters, points, first, last).items():
        label = Meter.Medium(medium).label
        unit_label = Meter(medium=medium).measure_unit
        media.append(
            {
                "label": label,
                "months": months,
                "chart": monthly_chart(months, chart_id=f"wykres-{medium}", subject=str(label), unit=unit_label),
            }
        )
    return render(
        request,
        "meters/unit_history.html",
        {
            "unit": unit,
            "period": period,
            "first": first,
            "last": last,
            "media": media,
            **_readings_page(request, meters, first, last),
        },
    )


def _history_csv(request: HttpRequest, meters: list[Meter], name: str) -> HttpResponse:
    today = timezone.localdate()
    first, last = PeriodForm(request.GET or None, today=today).period()
    span = f"{first:%Y-%m}_{last:%Y-%m}"
    if request.GET.get("co") == "zuzycie":
        points = selectors.measured_points(meters)
        rows = []
        for medium, months in selectors.monthly_usage_by_medium(meters, points, first, last).items():
            unit_label = Meter(medium=medium).measure_unit
            for usage in months:
                rows.append(
                    [
                        csv_month(usage.month),
                        str(Meter.Medium(medium).label),
                        csv_number(usage.amount, places=3),
                        unit_label,
                        "" if usage.amount is None or usage.complete else _("dane niepełne"),
                    ]
                )
        header = [_("miesiąc"), _("medium"), _("zużycie"), _("jednostka"), _("uwagi")]
        return csv_response(f"zuzycie-{name}-{span}.csv", header, rows)
    rows = [
        [
            csv_date(r.read_on),
            str(r.meter.get_medium_display()),
            csv_text(r.meter.serial_no),
            csv_number(r.value, places=3),
            r.meter.measure_unit,
            str(r.get_source_display()),
            str(r.get_status_display()),
            csv_text(r.rejected_reason),
        ]
        for r in selectors.readings_in_period(meters, first, last)
    ]
    header = [
        _("data odczytu"),
        _("medium"),
        _("numer licznika"),
        _("stan"),
        _("jednostka"),
        _("źródło"),
        _("stan odczytu"),
        _("powód odrzucenia"),
    ]
    return csv_response(f"odczyty-{name}-{span}.csv", header, rows)


@login_required
def meter_history_csv(request: AuthenticatedRequest, meter_id: int) -> HttpResponse:
    meter = selectors.meter_for_user(request.user, meter_id)
    return _history_csv(request, [meter], f"licznik-{meter.pk}")


@login_required
def unit_history_csv(request: AuthenticatedRequest, unit_id: int) -> HttpResponse:
    unit = unit_for_user(request.user, unit_id)
    return _history_csv(request, selectors.meters_of_unit(unit), f"lokal-{unit.pk}")


@login_required
def reading_photo(request: AuthenticatedRequest, meter_id: int, reading_pk: int) -> FileResponse:
    meter = selectors.meter_for_user(request.user, meter_id)
    submission = selectors.photo_of_reading(meter, reading_pk)
    return serve_private_file(
        submission.photo,
        filename=submission.photo_download_name,
        content_type=submission.photo_content_type,
    )
