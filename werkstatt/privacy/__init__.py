"""Privacy by design (DSGVO): retention of guests' and operational data, and an account's export and erasure.

This package sits above the domains (like `export/`): it reads and changes their tables, and no domain imports it.
"""
