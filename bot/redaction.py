"""Credentials kept out of everything shown: output, logs, errors, JSON.

Source URLs are the operator's to write, and some carry a password (`user:pass@host`) or a
key in the query (`?api_key=…`). Wherever a URL is shown, its user info and the values of
credential-like query parameters are replaced by `***`.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

HIDDEN = "***"
# Query parameters whose value is a credential, whatever its exact spelling.
_SECRET_KEY = re.compile(r"key|token|pass|pwd|secret|sig|auth|credential|session_?id|cookie|jwt|bearer", re.I)
_URL = re.compile(r"\b[a-zA-Z][\w+.-]*://[^\s\"'<>]+")


def redact_url(url: str) -> str:
    """`url` with its user info and credential-like query values hidden."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:  # not a URL we can take apart: show nothing of it that could leak
        return HIDDEN
    if ":" in host:
        host = f"[{host}]"
    netloc = (f"{HIDDEN}@" if parts.username is not None or parts.password is not None else "") + host
    if port:
        netloc += f":{port}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, HIDDEN if _SECRET_KEY.search(k) else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_urls(text: str) -> str:
    """Free text (a log line, an error) with every URL in it redacted."""
    return _URL.sub(lambda m: redact_url(m.group(0)), text)
