"""Template tags of the meters app: the unit page's meters panel, quantities in Polish format."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import template
from django.utils import timezone

from billing.models import Unit
from meters import selectors
from meters.formats import format_quantity
from meters.window import WindowState, window_state

register = template.Library()


@register.filter
def ilosc(value: Decimal | int | None) -> str:
    """{{ value|ilosc }} → 1 234,567 (a meter value or consumption, 3 decimals)."""
    return format_quantity(value)


@register.simple_tag
def unit_meter_rows(unit: Unit) -> list[selectors.MeterRow]:
    """Meters of ``unit`` (already scoped to the user by the page) with their last reading and badges."""
    return selectors.meter_rows(selectors.meters_of_unit(unit), timezone.localdate())


@register.simple_tag
def reading_window_state() -> WindowState:
    return window_state(timezone.localdate())


@register.filter
def get_item(mapping: Mapping[Any, Any] | None, key: Any) -> Any:
    """{{ mapping|get_item:key }}: a dictionary's value in a template (None when absent)."""
    return mapping.get(key) if mapping else None
