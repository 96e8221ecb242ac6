"""Where accounts live: people, their departments, the staff import, welcome links, personal data.

- accounts.py: create_person (HR's form, the administrators' form, the staff import and the command
  line all create people through it), updates, deactivation, password links, due dates; the
  authority checks (portal/auth/authority.py) are made here, not in the views.
- administration.py: what only administrators do to accounts (roles, search, lock-out rules).
- departments.py: matching the names people write, find-or-create, create, rename and merge.
- staff_import/: reading HR's CSV or XLSX files, previewing and applying them.
- welcome.py: the one-time set-password link and the welcome e-mail that carries it.
- personal_data.py: everything held about one person (right of access) and anonymisation.

Every function here changes data, flushes and records its audit event; the caller commits once.
"""
