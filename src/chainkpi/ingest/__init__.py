"""Ledgers in: read, validate (GX suites in expectations/), archive, load the raw layer."""
