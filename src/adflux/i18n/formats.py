"""Numbers, money, percentages and times by the reader's locale (CLDR, through Babel)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import (
    format_compact_decimal,
    format_currency,
    format_decimal,
    format_percent,
)

from adflux.i18n.catalogs import LOCALES, TIMEZONE

Number = int | float | Decimal
MISSING = "—"


def number(value: Number | None, language: str, *, decimals: int | None = None) -> str:
    """12.345,6 in Spanish, 12,345.6 in English; whole numbers without decimals."""
    if value is None:
        return MISSING
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 1
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=LOCALES[language])


def money(value: Number | None, language: str) -> str:
    """Colombian pesos, whole: $80.000 in Spanish, COP 80,000 in English (Colombian prices carry
    no cents)."""
    if value is None:
        return MISSING
    # Spanish writes $80.000; English has no symbol of its own for the peso and writes the code,
    # set apart so that a narrow column may break the line there: COP 80,000.
    pattern = "¤#,##0" if language == "es" else "¤ #,##0"
    return format_currency(
        round(value), "COP", format=pattern, currency_digits=False, locale=LOCALES[language]
    )


def percent(value: Number | None, language: str, *, decimals: int = 1) -> str:
    """A share (0.852) as 85,2 %."""
    if value is None:
        return MISSING
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + " %"
    return format_percent(value, format=pattern, locale=LOCALES[language])


def moment(value: datetime | date | None, language: str) -> str:
    """A date, or a time in Bogotá (stored times are UTC; a naive one is read as UTC)."""
    if value is None:
        return MISSING
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        # "4 dic 2026, 11:05 a. m.": the medium date (no ambiguous 4/12/26) and the short time,
        # joined by the locale's own pattern.
        joined = Locale.parse(LOCALES[language]).datetime_formats["medium"]
        local = aware.astimezone(ZoneInfo(TIMEZONE))
        day = format_date(local, "medium", locale=LOCALES[language])
        clock = format_time(local, "short", locale=LOCALES[language])
        return str(joined).replace("{1}", day).replace("{0}", clock)
    return format_date(value, "medium", locale=LOCALES[language])


def compact(value: Number, language: str) -> str:
    """Short numbers for chart axes: 0,195 · 579,5 k · 4,1 M (0.195 · 579.5K · 4.1M in English)."""
    magnitude = abs(float(value))
    if magnitude >= 10_000:
        return format_compact_decimal(
            value, format_type="short", fraction_digits=1, locale=LOCALES[language]
        )
    pattern = "#,##0" if magnitude >= 100 else "#,##0.###"
    return format_decimal(value, format=pattern, locale=LOCALES[language])
