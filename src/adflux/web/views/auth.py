"""Sign in with an API token, sign out."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from adflux.auth.models import Role
from adflux.extensions import db
from adflux.i18n.http import gettext
from adflux.web import session as web_session
from adflux.web.blueprint import bp
from adflux.web.forms import SignInForm


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Response | str | tuple[str, int]:
    form = SignInForm()
    if request.method == "GET":
        form.next.data = web_session.safe_next(request.args.get("next"))
    if form.validate_on_submit():
        signed = web_session.sign_in(db_session=db.session, token=form.token.data or "")
        if signed is not None:
            flash(gettext("Welcome, %(name)s.", name=signed.display_name), "success")
            return redirect(web_session.safe_next(form.next.data) or url_for("web.overview"))
        flash(gettext("Invalid or revoked token."), "error")
        return render_template("web/sign_in.html", form=form), 401
    return render_template("web/sign_in.html", form=form), 422 if form.errors else 200


@bp.post("/sign-out")
@web_session.requires(Role.VIEWER)
def sign_out() -> Response:
    web_session.sign_out()
    flash(gettext("Signed out."), "info")
    return redirect(url_for("web.sign_in"))
