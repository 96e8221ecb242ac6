"""Administrators' area: accounts and roles, departments, runtime settings, the audit log, personal data."""
