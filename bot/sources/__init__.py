"""Sources: the outside world read into facts (event files, timing, feeds); they read, the ingest step stores."""
