"""The trainers' area (/capacitacion): modules, lessons, quiz drafts, preview, statistics."""
