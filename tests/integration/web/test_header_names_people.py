"""The header and the greeting name the person who holds the token, not the token."""

from __future__ import annotations

import re

import sqlalchemy as sa

from adflux.auth.models import ApiToken


def test_the_header_shows_the_holder_and_the_greeting_greets_them(client, sign_in):
    sign_in("operator", holder="  Ana   María Gómez ")
    page = client.get("/").get_data(as_text=True)
    who = re.search(r'<span class="who"[^>]*>(.*?)</span>\s*<form', page, re.S)
    assert who and '<span class="who-name">Ana María Gómez</span> · operador' in who.group(1)
    assert "Hola, Ana María Gómez." in page
    assert "web-operator" not in who.group(1)


def test_a_token_without_a_holder_is_shown_by_its_name(client, sign_in):
    sign_in("viewer")
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'<span class="who-name">web-viewer-\d+</span> · lector', page)


def test_a_long_name_is_cut_in_the_bar_and_whole_in_its_tooltip(client, sign_in):
    long_name = "Coordinación de Atracción de Talento Regional Caribe y Eje Cafetero"
    sign_in("viewer", holder=long_name)
    page = client.get("/").get_data(as_text=True)
    assert f'title="{long_name}"' in page
    with client.get("/static/web/app.css") as response:  # a file response: closed after reading
        css = response.get_data(as_text=True)
    rule = re.search(r"\.who-name \{([^}]*)\}", css)
    assert rule and "text-overflow: ellipsis" in rule.group(1) and "max-width" in rule.group(1)


def test_a_campaign_page_names_who_created_it_by_the_token_holder(client, sign_in, job, platforms):
    from adflux.auth import service as auth_service
    from adflux.extensions import db

    sign_in("operator", holder="Ana María Gómez")
    holder_token = db.session.scalars(
        sa.select(ApiToken.name).where(ApiToken.holder == "Ana María Gómez")
    ).one()
    assert auth_service.actor_name(db_session=db.session, actor=f"token:{holder_token}") == (
        "Ana María Gómez"
    )
    assert auth_service.actor_name(db_session=db.session, actor="token:nobody") == "nobody"
    assert auth_service.actor_name(db_session=db.session, actor="system") == "system"
