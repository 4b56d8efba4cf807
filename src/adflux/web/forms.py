"""The dashboard's forms. They parse and carry the CSRF token; the services validate the domain."""

from __future__ import annotations

import uuid

from babel.support import LazyProxy
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectMultipleField,
    StringField,
)
from wtforms.i18n import get_translations as wtforms_translations
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional

from adflux.campaigns.service import (
    DEFAULT_DAILY_BUDGET_COP,
    OBJECTIVES,
    PACINGS,
    campaign_today,
)
from adflux.db import MAX_ID
from adflux.i18n.catalogs import N_
from adflux.i18n.http import gettext, request_language


def in_reader_language(message: str) -> LazyProxy:
    """A validator's own message, translated when it is shown (forms are declared at import)."""
    return LazyProxy(gettext, message, enable_cache=False)


class Form(FlaskForm):
    """A dashboard form whose built-in messages ("This field is required.") are in the reader's
    language: WTForms ships their translations."""

    class Meta:
        def get_translations(self, form: FlaskForm) -> object:
            return wtforms_translations([request_language()])


def _row_id(value: str | int) -> int:
    """A row id from a form value; one the database cannot hold is refused like a non-number."""
    number = int(value)
    if not 1 <= number <= MAX_ID:
        raise ValueError(f"{value} is not a valid id")
    return number


class SignInForm(Form):
    token = PasswordField("token", validators=[DataRequired(), Length(max=200)])
    next = HiddenField()


class TrainForm(Form):
    # The segmentation service checks the range and names the field it refuses.
    k_min = IntegerField("k_min", default=2, validators=[Optional()])
    k_max = IntegerField("k_max", default=10, validators=[Optional()])


def new_idempotency_key() -> str:
    """The hidden key of a freshly drawn campaign form."""
    return f"web-{uuid.uuid4().hex}"


class CampaignForm(Form):
    platforms = SelectMultipleField(
        "platforms",
        choices=[],
        validate_choice=False,
        validators=[DataRequired(message=in_reader_language(N_("Choose at least one platform.")))],
    )
    segment_ids = SelectMultipleField(
        "segment_ids", coerce=_row_id, choices=[], validate_choice=False
    )
    name = StringField("name", validators=[Optional(), Length(max=200)])
    daily_budget_cop = IntegerField(
        "daily_budget_cop",
        default=DEFAULT_DAILY_BUDGET_COP,
        validators=[DataRequired(), NumberRange(min=1, max=10_000_000_000)],
    )
    total_budget_cop = IntegerField(
        "total_budget_cop", validators=[Optional(), NumberRange(min=1, max=10_000_000_000_000)]
    )
    pacing = StringField("pacing", default=PACINGS[0], validators=[AnyOf(PACINGS)])
    start_date = DateField("start_date", default=campaign_today, validators=[Optional()])
    end_date = DateField("end_date", validators=[Optional()])
    # A plain string checked against the list: the template draws the <select> itself.
    objective = StringField("objective", default="traffic", validators=[AnyOf(OBJECTIVES)])
    # The job's N most likely candidates as an audience of its own; the service checks the range.
    job_audience_size = IntegerField("job_audience_size", validators=[Optional()])
    # The warnings the operator confirms (an age-proxy segment); the service checks them.
    acknowledge_warnings = SelectMultipleField(
        "acknowledge_warnings", choices=[], validate_choice=False
    )
    # A new key per rendered form: a double click or a resubmitted page creates one campaign.
    idempotency_key = HiddenField(default=new_idempotency_key)


class CampaignEditForm(Form):
    """A campaign's whole editable state as the page shows it; the view sends what differs."""

    name = StringField("name", validators=[DataRequired(), Length(max=200)])
    daily_budget_cop = IntegerField(
        "daily_budget_cop", validators=[DataRequired(), NumberRange(min=1, max=10_000_000_000)]
    )
    # Empty: no total.
    total_budget_cop = IntegerField(
        "total_budget_cop", validators=[Optional(), NumberRange(min=1, max=10_000_000_000_000)]
    )
    pacing = StringField("pacing", validators=[AnyOf(PACINGS)])
    start_date = DateField("start_date", validators=[DataRequired()])
    end_date = DateField("end_date", validators=[Optional()])
    segment_ids = SelectMultipleField(
        "segment_ids", coerce=_row_id, choices=[], validate_choice=False
    )
    headline = StringField("headline", validators=[Optional(), Length(max=200)])
    description = StringField("description", validators=[Optional(), Length(max=300)])
    primary_text = StringField("primary_text", validators=[Optional(), Length(max=1000)])
    auto_allocate = BooleanField("auto_allocate")
    acknowledge_warnings = SelectMultipleField(
        "acknowledge_warnings", choices=[], validate_choice=False
    )
