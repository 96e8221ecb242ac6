"""Extension objects, created unbound; create_app() binds them to an application."""

from flask import current_app, has_app_context
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    # Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


class PortalLimiter(Limiter):
    """Flask-Limiter with its on/off switch read from the current app's RATELIMIT_ENABLED.

    Flask-Limiter keeps `enabled` on the (module-level) extension object, so the last app built
    would decide for every app in the process; tests build many apps with different settings.
    """

    _enabled_fallback = True

    @property
    def enabled(self) -> bool:
        if has_app_context():
            return bool(current_app.config.get("RATELIMIT_ENABLED", True))
        return self._enabled_fallback

    @enabled.setter
    def enabled(self, value: bool) -> None:
        self._enabled_fallback = bool(value)

    def init_app(self, app) -> None:
        with app.app_context():  # so `enabled` reads this app's settings, not an enclosing app's
            super().init_app(app)


#: Throttles sign-in and password resets. Counts by the client's address as the WSGI server sees
#: it: X-Forwarded-For is only believed when PORTAL_PROXY_COUNT says a proxy sets it (ProxyFix).
#: Storage comes from RATELIMIT_STORAGE_URI, which load_settings() fills from PORTAL_RATELIMIT_STORAGE_URL.
limiter = PortalLimiter(key_func=get_remote_address, default_limits=[])
