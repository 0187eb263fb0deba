"""Race reports: text in, facts out (see extract.py), and into the store (ingest.py)."""
