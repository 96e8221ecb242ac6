"""Extension objects, created unbound; create_app() binds them to an application."""

from flask import current_app, has_app_context
from flask.templating import Environment
from flask_babel import Babel, Domain
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from jinja2 import Template, nodes
from jinja2.visitor import NodeTransformer
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase
from werkzeug.utils import cached_property


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
login_manager = LoginManager()
csrf = CSRFProtect()


class OneLocaleDomain(Domain):
    """Flask-Babel's message domain, with the catalogue resolved once per application.

    Flask-Babel finds it again on every gettext call (about 40 on a dashboard): three lookups
    through the request context, the locale, and its name as a string. The portal speaks one
    locale per application (create_app's locale_selector returns BABEL_DEFAULT_LOCALE, never a
    per-request choice), so the catalogue of the first call is the catalogue of every call.
    """

    def get_translations_cache(self, ctx):
        # Flask-Babel keeps one cache per process (on the domain, shared by every app): an app built
        # with another catalogue directory would get the first app's catalogue.
        return current_app.extensions.setdefault(_TRANSLATIONS + ".by_locale", {})

    def get_translations(self):
        if not has_app_context():
            return super().get_translations()
        app = current_app._get_current_object()
        found = app.extensions.get(_TRANSLATIONS)
        if found is None:
            found = app.extensions[_TRANSLATIONS] = super().get_translations()
        return found


class PortalBabel(Babel):
    """Flask-Babel with OneLocaleDomain, for Python code and templates alike."""

    @cached_property
    def domain_instance(self):
        return OneLocaleDomain(domain=self.domain)

    def init_app(self, app, *args, **kwargs) -> None:
        super().init_app(app, *args, **kwargs)

        def translations():
            # Bound to this app: no lookup through the request context per template string.
            return app.extensions.get(_TRANSLATIONS) or self.domain_instance.get_translations()

        app.jinja_env.catalogue = translations
        app.jinja_env.install_gettext_callables(
            gettext=lambda text: translations().ugettext(text),
            ngettext=lambda singular, plural, count: translations().ungettext(singular, plural, count),
            pgettext=lambda context, text: translations().upgettext(context, text),
            npgettext=lambda context, singular, plural, count: translations().unpgettext(
                context, singular, plural, count
            ),
            newstyle=True,
        )


_TRANSLATIONS = "portal.translations"
babel = PortalBabel()


class ImportingTemplate(Template):
    """A template whose `{% from "x.html" import macro %}` costs a set operation, not a hundred calls.

    On each import Jinja checks whether the importing template has globals the imported one lacks
    (then the macros get a module of their own, rendered again): `set - ChainMap.keys()` asks the
    ChainMap of globals about every key in Python, some 100 calls per import and render. The same
    question asked with set.difference() reads the ChainMap's keys once; the answer, and so what
    Jinja does next, is the same (tests/test_translations.py).
    """

    def _get_default_module(self, ctx=None):
        if ctx is not None and ctx.globals_keys.difference(self.globals):
            return super()._get_default_module(ctx)
        return super()._get_default_module(None)


class TranslatedEnvironment(Environment):
    """The app's Jinja environment, which translates a template's literal texts when it compiles it.

    `{{ _("Módulos") }}` costs a runtime call through Jinja's context, the gettext wrapper and the
    catalogue on every render (some 30 per learner page); an app speaks one locale (see
    OneLocaleDomain), so the translation of a literal text never changes in its environment. Each
    `_("literal", name=value)` becomes what newstyle gettext returns: the translated text, marked
    safe when autoescaping, `%` the values (escaped by Markup); without values Jinja folds it into the
    template's constant output. `_(variable)`, ngettext and pgettext stay runtime calls.
    """

    template_class = ImportingTemplate
    #: Set by PortalBabel.init_app: the catalogue of the app's one locale.
    catalogue = None

    def _parse(self, source, name, filename):
        template = super()._parse(source, name, filename)
        if self.catalogue is None:
            return template
        if has_app_context():
            catalogue = self.catalogue()
        else:
            with self.app.app_context():
                catalogue = self.catalogue()
        template = _TranslateLiterals(catalogue).visit(template)
        template.set_environment(self)
        return template


class _TranslateLiterals(NodeTransformer):
    def __init__(self, catalogue):
        self.catalogue = catalogue

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        node = self.generic_visit(node)
        literal = (
            isinstance(node.node, nodes.Name)
            and node.node.name in ("_", "gettext")
            and len(node.args) == 1
            and isinstance(node.args[0], nodes.Const)
            and isinstance(node.args[0].value, str)
            and node.dyn_args is None
            and node.dyn_kwargs is None
        )
        if not literal:
            return node
        text = nodes.MarkSafeIfAutoescape(nodes.Const(self.catalogue.ugettext(node.args[0].value)))
        values = nodes.Dict([nodes.Pair(nodes.Const(keyword.key), keyword.value) for keyword in node.kwargs])
        return nodes.Mod(text, values).set_lineno(node.lineno)


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

    def _check_request_limit(self, callable_name: str | None = None, in_middleware: bool = True) -> None:
        # Only views decorated with limit() are limited (sign-in, password reset), and their wrapper
        # checks their limits itself (in_middleware=False). Without default, application, blueprint
        # or meta limits, the before_request pass over every other request has nothing to count.
        if in_middleware and not self._limits_every_request():
            return
        super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)

    def _limits_every_request(self) -> bool:
        manager = self.limit_manager
        return bool(
            manager.default_limits or manager.application_limits or manager._blueprint_limits or self._meta_limits
        )


#: Throttles sign-in and password resets. Counts by the client's address as the WSGI server sees
#: it: X-Forwarded-For is only believed when PORTAL_PROXY_COUNT says a proxy sets it (ProxyFix).
#: Storage comes from RATELIMIT_STORAGE_URI, which load_settings() fills from PORTAL_RATELIMIT_STORAGE_URL.
limiter = PortalLimiter(key_func=get_remote_address, default_limits=[])
