import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.template import Context, Template

from portal.formats import NBSP, format_amount, format_date, format_nrb


def test_amounts_render_with_space_groups_decimal_comma_and_zl():
    assert format_amount(Decimal("1234.56")) == f"1{NBSP}234,56{NBSP}zł"
    assert format_amount(Decimal("-50")) == f"-50,00{NBSP}zł"
    assert format_amount(Decimal("0.005")) == f"0,01{NBSP}zł"
    assert format_amount(Decimal("1234567.8"), currency=False) == f"1{NBSP}234{NBSP}567,80"
    assert format_amount(None) == ""


def test_dates_render_day_month_year_in_warsaw_time():
    assert format_date(dt.date(2026, 11, 21)) == "21.11.2026"
    late_utc = dt.datetime(2026, 11, 20, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert format_date(late_utc) == "21.11.2026"
    assert format_date(late_utc, with_time=True) == "21.11.2026 00:30"


def test_account_numbers_are_grouped_as_on_payment_slips():
    assert format_nrb("61109010140000071219812874") == "61 1090 1014 0000 0712 1981 2874"


def test_one_shared_filter_formats_amounts_and_dates_in_templates():
    html = Template("{{ a|zl }} {{ d|data }}").render(Context({"a": Decimal("1234.56"), "d": dt.date(2026, 11, 21)}))
    assert html == f"1{NBSP}234,56{NBSP}zł 21.11.2026"
