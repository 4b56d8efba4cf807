"""Extension objects, created unbound; ``create_app`` binds them to an app."""

from __future__ import annotations

from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy

from adflux.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()

api = Api()
