"""Sign-in, sign-out and the access rules every route declares."""
