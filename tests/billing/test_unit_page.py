"""Unit page (B1, B2, B6): data, account for payments, ledger with running balance, filters, pages."""

import base64
import datetime as dt
import re
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from billing.forms import LedgerFilterForm
from billing.models import LedgerEntry
from billing.qr import zbp_payload
from billing.selectors import LedgerFilter, ledger_rows
from billing.views import LEDGER_PER_PAGE, unit_transfer
from tests.billing.conftest import add_history
from tests.billing.test_formats_words_qr import decode_qr

pytestmark = pytest.mark.django_db


def _get(client, user, unit, query=""):
    client.force_login(user)
    response = client.get(f"/lokale/{unit.pk}/{query}")
    assert response.status_code == 200
    return response


def _balances(html: str) -> list[str]:
    """The last column (balance after the entry) of every ledger row on the page."""
    body = html.split('<table class="ledger-table', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<td class="num ledger-balance"[^>]*>([^<]*)</td>', body)


def test_unit_data_account_and_balance_notice_are_shown(client, owner, unit, operator):
    html = _get(client, owner, unit).content.decode()
    assert "52,40 m²" in html and "3,10 m²" in html  # usable area, extra rooms
    assert "Liczba osób" in html and "<dd>2</dd>" in html
    assert "PL61 1090 1014 0000 0712 1981 2874" in html
    assert 'data-copy="61109010140000071219812874"' in html  # the copy button's value
    assert "wpłat, których bank jeszcze nie przekazał" in html  # seed 002 §4.2
    assert "sprawami sądowymi lub rozłożonych na raty" in html


def test_balance_equals_the_ledger_sum_and_interest_is_shown_separately(client, owner, unit, operator):
    balance = add_history(unit, months=24)
    html = _get(client, owner, unit).content.decode()
    assert balance == Decimal("245.00")  # 24 × 10 zł + 4 × 1,25 zł interest
    assert "do zapłaty" in html and "245,00\xa0zł" in html
    assert "Odsetki za zwłokę naliczone od początku kartoteki: <strong>5,00\xa0zł</strong>. Kwota do zapłaty" in html
    assert "w tym odsetki" not in html  # 5 zł of interest is not a part of the 245 zł due
    assert 'class="badge badge-warn">odsetki</span>' in html


def test_a_settled_unit_says_its_interest_was_charged_and_paid_rather_than_owed(client, owner, unit, operator):
    add_history(unit, months=6)  # 60 zł owed, 1,25 zł of it interest
    LedgerEntry.objects.create(
        external_id="E-PAY-ALL",
        unit=unit,
        booked_on=dt.date(2016, 7, 1),
        kind="payment",
        component="wpłata",
        amount=Decimal("-61.25"),
    )
    html = _get(client, owner, unit).content.decode()
    assert "rozliczone" in html
    assert "Odsetki za zwłokę naliczone od początku kartoteki: <strong>1,25\xa0zł</strong> — zapłacone." in html
    assert "w tym odsetki" not in html


def test_running_balance_is_right_on_every_page_and_under_every_filter(client, owner, unit, operator):
    add_history(unit, months=36)
    entries = list(LedgerEntry.objects.filter(unit=unit).order_by("booked_on", "external_id"))
    running, expected = Decimal("0"), {}
    for entry in entries:
        running += entry.amount
        expected[entry.external_id] = running
    # Every filter and every page: the balance after each shown entry is the whole ledger's.
    for flt in [
        LedgerFilter(),
        LedgerFilter(kinds=(LedgerEntry.Kind.PAYMENT,)),
        LedgerFilter(date_from=dt.date(2017, 3, 5), date_to=dt.date(2018, 2, 1)),
        LedgerFilter(date_from=dt.date(2017, 1, 1), kinds=(LedgerEntry.Kind.INTEREST,)),
    ]:
        rows = ledger_rows(unit, flt, offset=0, limit=10_000)
        assert rows and all(row.balance == expected[row.external_id] for row in rows)
        assert all(flt.date_from is None or row.booked_on >= flt.date_from for row in rows)
        assert all(not flt.kinds or row.kind in flt.kinds for row in rows)
    # The same through the pages of the page itself, newest first.
    newest_first = list(reversed(entries))
    page2 = _balances(_get(client, owner, unit, "?strona=2").content.decode())
    assert page2 == [
        f"{expected[e.external_id]:.2f}".replace(".", ",") for e in newest_first[LEDGER_PER_PAGE : 2 * LEDGER_PER_PAGE]
    ]


def test_filters_by_period_and_kind_show_only_matching_entries_with_period_totals(client, owner, unit, operator):
    add_history(unit, months=24, start=dt.date(2025, 1, 1))
    html = _get(client, owner, unit, "?od=2025-03-01&do=2025-05-31&rodzaj=wplaty").content.decode()
    body = html.split('<table class="ledger-table', 1)[1]
    assert body.count('<tr class="ledger-payment">') == 3 and "ledger-charge" not in body
    assert "11.03.2025" in body and "11.05.2025" in body and "11.02.2025" not in body
    assert "W wybranym okresie: zapisów 3" in html and "uznania 870,00\xa0zł" in html
    assert 'value="2025-03-01"' in html  # the form keeps what was chosen


def test_dates_typed_the_polish_way_are_understood(client, owner, unit, operator):
    add_history(unit, months=3, start=dt.date(2025, 1, 1))
    html = _get(client, owner, unit, "?od=01.02.2025&do=28.02.2025").content.decode()
    assert "W wybranym okresie: zapisów 3" in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?od=2026-13-45", "To nie jest prawdziwa data"),
        ("?od=wczoraj&do=2026-02-30", "To nie jest prawdziwa data"),
        ("?od=0001-01-01", "Podaj datę z lat 1900–2100"),
        ("?od=2026-05-01&do=2026-01-01", "Data w polu „Od dnia” jest późniejsza niż w polu „Do dnia”"),
        ("?rodzaj=wszystko", "Nie ma takiego rodzaju zapisu"),
    ],
)
def test_nonsense_in_the_filter_gets_a_polish_message_and_the_unfiltered_ledger(
    client, owner, unit, operator, query, message
):
    add_history(unit, months=2)
    html = _get(client, owner, unit, query).content.decode()
    assert message in html
    assert "Część filtra jest błędna" in html
    assert html.count('<tr class="ledger-') == 6  # all entries (2 months × 3) still shown


@pytest.mark.parametrize(
    ("page", "shown", "notice"),
    [
        ("-1", 1, "Nie ma strony -1; pokazano pierwszą stronę."),
        ("0", 1, "Nie ma strony 0; pokazano pierwszą stronę."),
        ("abc", 1, "Numer strony „abc” jest nieprawidłowy"),
        ("99999999999999999999999", "last", "pokazano ostatnią stronę"),
        ("9" * 5000, 1, "jest nieprawidłowy"),
        ("2", 2, None),
    ],
)
def test_page_numbers_out_of_range_show_the_nearest_page_with_a_notice(
    client, owner, unit, operator, page, shown, notice
):
    add_history(unit, months=40)  # 126 entries
    pages = -(-126 // LEDGER_PER_PAGE)
    html = _get(client, owner, unit, f"?strona={page}").content.decode()
    assert f"Strona {pages if shown == 'last' else shown} z {pages}" in html
    if notice:
        assert notice in html
    else:
        assert "message-warning" not in html


def test_an_empty_ledger_and_an_empty_period_say_so(client, owner, unit, operator):
    assert "Kartoteka tego lokalu nie ma jeszcze zapisów." in _get(client, owner, unit).content.decode()
    add_history(unit, months=1, start=dt.date(2025, 1, 1))
    assert "Brak zapisów w wybranym okresie." in _get(client, owner, unit, "?od=2030-01-01").content.decode()


def test_transfer_qr_on_the_unit_page_carries_the_amount_due(client, owner, unit, operator, tmp_path):
    add_history(unit, months=12)  # 122,50 zł due
    html = _get(client, owner, unit).content.decode()
    png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1))
    payload = decode_qr(png, tmp_path)
    assert payload == zbp_payload(unit_transfer(unit, operator, Decimal("122.50")))
    nip, country, account, grosze, recipient, title, *reserved = payload.split("|")
    assert (nip, country, account, grosze, recipient) == ("6340197497", "PL", unit.bank_account, "012250", "SM Źródło")
    assert title.startswith(f"Lokal {unit.external_id}") and reserved == ["", "", ""]


def test_without_a_debt_the_qr_leaves_the_amount_to_the_payer(client, owner, unit, operator, tmp_path):
    LedgerEntry.objects.create(
        external_id="E-CREDIT", unit=unit, booked_on=dt.date(2026, 1, 1), kind="payment", component="wpłata", amount=-50
    )
    html = _get(client, owner, unit).content.decode()
    assert "nadpłata" in html
    png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1))
    assert decode_qr(png, tmp_path).split("|")[3] == "000000"


def test_a_unit_without_its_own_account_takes_the_operators(client, owner, unit, operator):
    unit.bank_account = ""
    unit.save()
    operator.bank_account = "11 1020 1026 0000 0402 0000 0000"
    operator.save()
    assert "PL11 1020 1026 0000 0402 0000 0000" in _get(client, owner, unit).content.decode()


def test_the_meters_panel_of_the_unit_is_included(client, owner, unit, operator):
    html = _get(client, owner, unit)
    assert "meters/_unit_panel.html" in [t.name for t in html.templates]


def test_without_any_account_number_the_page_says_where_to_find_it(client, owner, unit):
    unit.bank_account = ""
    unit.save()
    html = _get(client, owner, unit).content.decode()
    assert "Numeru rachunku do wpłat nie ma jeszcze w e-BOK" in html and "data:image/png" not in html


def test_the_default_view_shows_the_filter_as_an_unbound_form_renders_it_in_each_language(
    client, owner, unit, operator
):
    fields = re.compile(r'<form method="get" class="form ledger-filter".*?<div class="ledger-filter-buttons">', re.S)
    html = _get(client, owner, unit).content.decode()
    with translation.override("pl"):
        expected = render_to_string("billing/_ledger_filter_fields.html", {"form": LedgerFilterForm()})
    assert expected.strip() and expected.strip() in fields.search(html).group(0)
    assert 'name="od"' in expected and 'name="rodzaj"' in expected and "Rodzaj zapisu" in expected
    client.cookies["django_language"] = "en"
    with translation.override("pl"):  # the middleware activates English for the thread: Polish again afterwards
        english = fields.search(client.get(f"/lokale/{unit.pk}/").content.decode()).group(0)
    with translation.override("en"):
        assert render_to_string("billing/_ledger_filter_fields.html", {"form": LedgerFilterForm()}).strip() in english
