"""The API's blueprint: flask-smorest's, with query parameters no schema declares refused.

webargs ignores unknown query parameters by default, so a misspelt filter ("?stauts=open")
answered with every row as if it had filtered. Refused here, every list endpoint says so with
a 422 naming the parameter.
"""

from __future__ import annotations

from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow import RAISE
from webargs.flaskparser import FlaskParser


def _strict_query_parser() -> FlaskParser:
    parser = FlaskParser()
    parser.DEFAULT_UNKNOWN_BY_LOCATION = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": RAISE,
        "querystring": RAISE,
    }
    return parser


class Blueprint(SmorestBlueprint):  # type: ignore[misc]
    ARGUMENTS_PARSER = _strict_query_parser()
