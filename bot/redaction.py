"""Credentials kept out of everything shown: output, logs, errors, JSON, the store.

Source URLs are the operator's to write, and some carry a password (`user:pass@host`) or a
key (`?api_key=…`, `;token=…`, `#access_token=…`). Wherever a URL is shown or kept, its
user info and the values of credential-like parameters are replaced by `***`.
"""
from __future__ import annotations

import re

HIDDEN = "***"
_USERINFO = re.compile(r"^(?P<scheme>[a-zA-Z][\w+.-]*://)(?P<info>[^/?#@\s]*@)")
# A parameter whose name says it is a credential, wherever it sits: the query, the
# fragment, or a path segment's `;name=value`.
_SECRET = re.compile(r"(?P<lead>[?&;#/])(?P<name>[\w.-]*(?:key|token|pass|pwd|pw|secret|sig|auth|credential|"
                     r"session_?id|cookie|jwt|bearer)[\w.-]*)=(?P<value>[^&;#/\s]*)", re.I)
_URL = re.compile(r"\b[a-zA-Z][\w+.-]*://[^\s\"'<>]+")


def redact_url(url: str) -> str:
    """`url` with its user info and credential-like parameter values hidden (text that is
    not a URL comes back as it was)."""
    hidden = _USERINFO.sub(lambda m: f"{m['scheme']}{HIDDEN}@", url)
    return _SECRET.sub(lambda m: f"{m['lead']}{m['name']}={HIDDEN}", hidden)


def redact_urls(text: str) -> str:
    """Free text (a log line, an error) with every URL in it redacted."""
    return _URL.sub(lambda m: redact_url(m.group(0)), text)
