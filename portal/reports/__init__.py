"""HR's area (/rrhh): staff, due dates, completion reports, exports and reminders."""
