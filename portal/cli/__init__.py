"""Command-line tools: `flask --app portal <command>`, one module per command group.

Each module defines its click group (a `flask.cli.AppGroup`) or its top-level commands; the factory
(`portal.register_cli`) adds them to `app.cli`. Shared pieces: `types` (RUT and e-mail parameters,
checked like the web forms check them) and `files` (files named on the command line, with Spanish errors).
"""
