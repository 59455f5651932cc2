"""History of readings and consumption per meter and per unit: tables, the SVG chart, CSV."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from meters.chart import monthly_chart
from meters.consumption import MonthUsage
from tests.factories import MeterFactory, ReadingFactory
from tests.meters.conftest import monthly_readings

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def tenant_client(client, owner, frozen):
    client.force_login(owner)
    return client


def months_of(n: int, first=dt.date(2017, 1, 1), amount="3.5") -> list[MonthUsage]:
    months, month = [], first
    for _ in range(n):
        months.append(MonthUsage(month=month, amount=D(amount), covered_days=28, days=28))
        month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return months


def test_the_chart_has_a_title_a_description_and_a_bar_per_month():
    months = months_of(12, first=dt.date(2026, 1, 1))
    months[3] = MonthUsage(dt.date(2026, 4, 1), None, 0, 30)
    months[4] = MonthUsage(dt.date(2026, 5, 1), D("7"), 10, 31)
    chart = monthly_chart(months, chart_id="w", subject="zimna woda", unit="m³")
    assert chart.title == "Zużycie miesięczne: zimna woda (m³), 01.2026–12.2026"
    assert chart.description == (
        "Wykres słupkowy zużycia w kolejnych miesiącach (12). Łącznie 42,000 m³, średnio 3,818 m³ w miesiącu "
        "z danymi. Najwięcej w 05.2026: 7,000 m³; najmniej w 01.2026: 3,500 m³. Brak odczytów za miesiące: 1. "
        "Niepełne dane (odczyty nie obejmują całego miesiąca): 1. Wartości każdego miesiąca są w tabeli obok wykresu."
    )
    assert len(chart.bars) == 12 and chart.bars[3].missing and chart.bars[4].partial
    assert chart.bars[4].height == pytest.approx(2 * chart.bars[0].height, abs=0.02)
    assert [t.label for t in chart.x_labels][:3] == ["sty", "lut", "mar"]


def test_in_english_the_chart_names_the_months_in_english():
    with translation.override("en"):
        chart = monthly_chart(months_of(12, first=dt.date(2026, 1, 1)), chart_id="w", subject="cold water", unit="m³")
    assert [t.label for t in chart.x_labels] == [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"
    ]  # fmt: skip


def test_the_english_meter_page_charts_the_months_with_english_names(tenant_client, meter, history, settings):
    tenant_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("pl"):  # the middleware activates English; the next test gets Polish back
        page = tenant_client.get(reverse("meters:meter", args=[meter.pk])).content.decode()
    labels = re.findall(r'text-anchor="middle">([^<]+)</text>', page)
    assert "dec" in labels and "jan" in labels and "nov" in labels
    assert not {"gru", "sty", "lis"} & set(labels)


def test_the_chart_of_ten_years_names_the_years_instead_of_the_months():
    chart = monthly_chart(months_of(120), chart_id="w", subject="ciepło", unit="GJ")
    assert len(chart.bars) == 120 and chart.x_labels == []
    assert [t.label for t in chart.year_labels] == [str(y) for y in range(2017, 2027)]
    assert all(b.x + b.width <= chart.right for b in chart.bars)


def test_the_rendered_chart_is_an_image_with_title_and_description_and_a_table_beside_it_without_scripts():
    months = months_of(12, first=dt.date(2026, 1, 1), amount="1234.5")
    chart = monthly_chart(months, chart_id="wykres-1", subject="zimna woda", unit="m³")
    html = render_to_string("meters/_chart.html", {"chart": chart, "months": months})
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert 'role="img" aria-labelledby="wykres-1-title wykres-1-desc"' in html
    assert '<title id="wykres-1-title">Zużycie miesięczne: zimna woda (m³), 01.2026–12.2026</title>' in html
    assert '<desc id="wykres-1-desc">Wykres słupkowy' in html
    assert "<script" not in html and "<table>" in html and html.count("<tr>") == 13
    assert "1\u00a0234,500" in html
    # Coordinates are never localized ("12,5" would break the drawing).
    coordinates = re.findall(r' (?:x|y|width|height)="([^"]+)"', html)
    assert coordinates and all(re.fullmatch(r"-?\d+(\.\d+)?", c) for c in coordinates)


def test_the_meter_history_shows_readings_and_monthly_consumption_for_the_last_12_months(
    tenant_client, meter, history, django_assert_max_num_queries
):
    with django_assert_max_num_queries(14):
        page = tenant_client.get(reverse("meters:meter", args=[meter.pk])).content.decode()
    assert "Zużycie miesięczne: zimna woda SN" in page and "12.2025–11.2026" in page
    assert "Odczyty od 01.12.2025 do 21.11.2026" in page
    assert page.count("inkasent") == 12  # 1.12.2025 … 1.11.2026
    assert '<th scope="row">10.2026</th><td class="num">3,000</td>' in page
    assert '<th scope="row">11.2026</th><td class="num">—</td><td>brak odczytów</td>' in page  # read on the 1st only


def test_any_period_can_be_chosen(tenant_client, meter, history):
    page = tenant_client.get(reverse("meters:meter", args=[meter.pk]), {"od": "2025-10", "do": "2026-03"})
    html = page.content.decode()
    assert "10.2025–03.2026" in html and html.count("inkasent") == 6


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"od": "2026-05", "do": "2026-01"}, "Początek okresu jest późniejszy niż jego koniec."),
        ({"od": "maj"}, "Podaj miesiąc w postaci RRRR-MM, np. 2026-01."),
        ({"od": "2027-01"}, "Okres nie może zaczynać się w przyszłości."),
        ({"od": "1900-01"}, "Podaj miesiąc od 1990 roku."),
    ],
)
def test_a_bad_period_gets_a_polish_message_and_the_default_period(tenant_client, meter, history, query, message):
    response = tenant_client.get(reverse("meters:meter", args=[meter.pk]), query)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and "12.2025–11.2026" in html


def test_the_unit_history_has_a_chart_per_medium_and_adds_up_an_exchanged_meter(
    tenant_client, unit, meter, history, django_assert_max_num_queries
):
    meter.removed_on = dt.date(2026, 5, 31)
    meter.save()
    meter.readings.filter(read_on__gt=meter.removed_on).delete()
    ReadingFactory(meter=meter, read_on=dt.date(2026, 5, 31), value=D("124"))  # read at the exchange
    successor = MeterFactory(unit=unit, installed_on=dt.date(2026, 6, 1), initial_value=D("0"))
    monthly_readings(successor, first=dt.date(2026, 7, 1), count=5, start=D("3"), step=D("3"))
    heat = MeterFactory(unit=unit, medium="heat", installed_on=dt.date(2020, 1, 1))
    ReadingFactory(meter=heat, read_on=dt.date(2026, 1, 1), value=D("10"))
    ReadingFactory(meter=heat, read_on=dt.date(2026, 3, 1), value=D("15.9"))
    with django_assert_max_num_queries(14):  # as many meters as you like: the same queries
        page = tenant_client.get(reverse("meters:unit_history", args=[unit.pk])).content.decode()
    assert "Zużycie miesięczne: zimna woda (m³), 12.2025–11.2026" in page
    assert "Zużycie miesięczne: ciepło (GJ), 12.2025–11.2026" in page
    # June 2026 comes from the new meter (installed on 1.06 at 0, read 3 on 1.07): complete.
    assert '<th scope="row">06.2026</th><td class="num">3,000</td><td></td>' in page
    assert '<th scope="row">02.2026</th><td class="num">2,800</td>' in page  # heat: 5.9 GJ over 59 days


def test_csv_of_readings_and_of_consumption_opens_in_a_polish_spreadsheet(tenant_client, meter, history):
    url = reverse("meters:meter_csv", args=[meter.pk])
    readings = tenant_client.get(url, {"od": "2026-09", "do": "2026-10", "co": "odczyty"})
    assert readings["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="odczyty-licznik-' in readings["Content-Disposition"]
    text = readings.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:4] == ["data odczytu", "medium", "numer licznika", "stan"]
    # The portal's one CSV convention (portal/spreadsheet.py): dates as in the statement CSV.
    assert rows[1][0] == "01.10.2026" and rows[1][3] == "136,000" and rows[1][5] == "inkasent"
    assert text.count("\r\n") == len(rows)
    assert len(rows) == 3
    usage = tenant_client.get(url, {"od": "2026-09", "do": "2026-10", "co": "zuzycie"}).content.decode("utf-8")
    rows = list(csv.reader(io.StringIO(usage.lstrip("\ufeff")), delimiter=";"))
    assert rows == [
        ["miesiąc", "medium", "zużycie", "jednostka", "uwagi"],
        ["09.2026", "zimna woda", "3,000", "m³", ""],
        ["10.2026", "zimna woda", "3,000", "m³", ""],
    ]


def test_another_tenants_unit_history_and_csv_are_not_found(client, stranger, unit, meter, frozen):
    client.force_login(stranger)
    for name in ("meters:unit", "meters:unit_history", "meters:unit_csv"):
        assert client.get(reverse(name, args=[unit.pk])).status_code == 404


def test_a_long_period_pages_the_readings_table_but_charts_every_month(tenant_client, meter):
    day = dt.date(2024, 11, 1)
    for n in range(150):  # a reading every 5 days
        ReadingFactory(meter=meter, read_on=day + dt.timedelta(days=5 * n), value=D(n))
    url = reverse("meters:meter", args=[meter.pk])
    first = tenant_client.get(url, {"od": "2024-11", "do": "2026-11"})
    assert len(first.context["readings"]) == 100 and first.context["page"].paginator.count == 150
    html = first.content.decode()
    assert "Strona 1 z 2 (odczytów w okresie: 150)" in html and "?od=2024-11&amp;do=2026-11&amp;strona=2" in html
    assert html.count('<th scope="row">') >= 25 + 100  # 25 months in the chart's table, 100 readings
    second = tenant_client.get(url, {"od": "2024-11", "do": "2026-11", "strona": "2"})
    assert len(second.context["readings"]) == 50 and second.context["readings"][49].read_on == day
