"""Fetching a link that an untrusted chat user gave, without letting it reach inside.

Every hop (the first request and each redirect) is resolved once, every address is
checked against the policy (public addresses only by default), and the connection goes
to that checked address, so a name cannot re-resolve elsewhere between check and use.
One deadline covers the whole fetch and the body is capped while it streams in.
Every refusal is one English sentence for the user, never a traceback or the query.
"""
from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import re
import socket
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
TEXT_TYPES = {"application/xhtml+xml", "application/xml", "application/rss+xml", "application/atom+xml"}
REDIRECTS = {301, 302, 303, 307, 308}
# Ranges that `is_global` lets through on some Python versions, or that are not reachable hosts.
BLOCKED = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "198.18.0.0/15",
    "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/3", "::/96", "100::/64", "2001::/23", "2001:db8::/32",
    "3fff::/20", "5f00::/16", "64:ff9b:1::/48", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8")]
NAT64 = ipaddress.ip_network("64:ff9b::/96")
SCHEME = "Only http and https links can be read; send a link to the report's web page."
USERINFO = "Links with a user name or password cannot be read; send the report's public link without them."
MALFORMED = "That is not a link that can be read; send the full address of the report's web page."


class FetchRefused(Exception):
    """A link that is not fetched, or a fetch that failed; `text` is one sentence for the user."""

    def __init__(self, text: str, retry: bool = False, status: int | None = None):
        super().__init__(text)
        self.text = text
        # Whether trying again later may work (a timeout, a 5xx, a 429), and the HTTP status.
        self.retry, self.status = retry, status


@dataclass(frozen=True)
class Fetched:
    """A fetched page: the final URL as the user would see it, its content type and body."""

    url: str
    content_type: str
    body: bytes


def is_public_address(ip: IP) -> bool:
    """Whether `ip` is a public unicast address (IPv4 inside IPv6 is judged by the IPv4)."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.teredo:  # a tunnel to any IPv4 host, never needed for a web page
            return False
        inner = ip.ipv4_mapped or ip.sixtofour
        if inner is None and ip in NAT64:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is not None:
            return is_public_address(inner)
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_private or ip.is_loopback
                                 or ip.is_link_local or ip.is_unspecified or any(ip in n for n in BLOCKED))


async def _resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [info[4][0] for info in infos]


def _parse(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError):
        raise FetchRefused(MALFORMED) from None
    if parsed.scheme not in ("http", "https"):
        raise FetchRefused(SCHEME)
    if parsed.userinfo:
        raise FetchRefused(USERINFO)
    if not parsed.host or not 0 < (parsed.port or 80) < 65536:
        raise FetchRefused(MALFORMED)
    return parsed


def _literal(name: str) -> IP | None:
    """The address a host means without DNS: a number (inet_aton knows 2130706433, 0x7f.1, 127.1) or localhost."""
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(name)
    with contextlib.suppress(OSError, ValueError):
        return ipaddress.IPv4Address(socket.inet_aton(name))
    if name == "localhost" or name.endswith(".localhost"):  # loopback by definition (RFC 6761)
        return ipaddress.IPv4Address("127.0.0.1")
    return None


async def _addresses(url: httpx.URL, resolve, allow) -> list[IP]:
    name = url.raw_host.decode("ascii").removesuffix(".")  # "127.0.0.1." and "localhost." mean the same
    literal = _literal(name)  # numbers never go to DNS: what we check is what we connect to
    if literal is not None:
        ips = [literal]
    else:
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            ips = [ipaddress.ip_address(a) for a in await resolve(name, port)]
        except (OSError, UnicodeError, ValueError):
            ips = []
        if not ips:
            raise FetchRefused(f"{url.host} cannot be found; check the link.")
    if not all(allow(ip) for ip in ips):  # one bad address is enough: we must not pick among them blindly
        raise FetchRefused(f"{url.host} is not a public address; send a link to a report on a public web site.")
    return ips


async def _hop(client: httpx.AsyncClient, url: httpx.URL, ips: list[IP], max_bytes: int) -> Fetched | httpx.URL:
    """One request to the checked addresses in turn: a page, or where a redirect points."""
    headers = {"Host": url.netloc.decode("ascii"), "Accept-Encoding": "gzip, deflate",
               "Accept": "text/html, application/xhtml+xml, text/*;q=0.9"}
    extensions = {"sni_hostname": url.raw_host.decode("ascii")} if url.scheme == "https" else {}
    failure: httpx.ConnectError | None = None
    for ip in ips:  # all checked already; the next one only when a host has several and one is down
        try:
            async with client.stream("GET", url.copy_with(host=str(ip)), headers=headers,
                                     extensions=extensions) as response:
                return await _read(response, url, max_bytes)
        except httpx.ConnectError as err:
            failure = err
    raise failure


async def _read(response: httpx.Response, url: httpx.URL, max_bytes: int) -> Fetched | httpx.URL:
    status, host = response.status_code, url.host
    if status in REDIRECTS and response.headers.get("location"):
        return url.join(response.headers["location"])
    if status >= 300:
        raise FetchRefused(f"{host} answered {status}; check the link.", retry=status in (408, 429) or status >= 500,
                           status=status)
    content_type = response.headers.get("content-type", "").strip()
    media = content_type.split(";")[0].strip().lower()
    if media and not (media.startswith("text/") or media in TEXT_TYPES):
        shown = media if re.fullmatch(r"[\w.+-]+/[\w.+-]+", media) else "a file"
        raise FetchRefused(f"{host} sent {shown}, not a web page; send a link to the report's web page.")
    too_big = FetchRefused(f"The page at {host} is larger than {max_bytes:,} bytes; send a link to a shorter one.")
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise too_big
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "gzip", "x-gzip", "deflate"):
        raise FetchRefused(f"{host} sent its page in a form that cannot be read; try another link.")
    # Our own bounded inflate: httpx's would expand a small gzip bomb whole before we count it.
    inflate = zlib.decompressobj(47) if encoding != "identity" else None
    body, received = bytearray(), 0
    async for chunk in response.aiter_raw():
        received += len(chunk)
        body += inflate.decompress(chunk, max_bytes - len(body) + 1) if inflate else chunk
        if len(body) > max_bytes or received > max_bytes:
            raise too_big
    return Fetched(str(url), content_type, bytes(body))


async def fetch_untrusted(url: str, *, deadline: float = 20.0, max_bytes: int = 5_000_000,
                          max_redirects: int = 5,
                          resolve: Callable[[str, int], Awaitable[list[str]]] | None = None,
                          allow: Callable[[IP], bool] | None = None) -> Fetched:
    """Fetch a text or HTML page from a user's link, or raise FetchRefused with one sentence.

    `resolve(host, port)` gives address strings (getaddrinfo by default); `allow(ip)` is the
    address policy (public addresses only by default). Redirects are followed here, checked
    like the first request, at most `max_redirects`; `deadline` seconds cover everything.
    """
    current = _parse(url)
    host = current.host
    try:
        async with asyncio.timeout(deadline), httpx.AsyncClient(
                follow_redirects=False, trust_env=False, timeout=deadline,
                headers={"User-Agent": "pitboard report reader"}) as client:
            for _ in range(max_redirects + 1):
                host = current.host
                ips = await _addresses(current, resolve or _resolve, allow or is_public_address)
                result = await _hop(client, current, ips, max_bytes)
                if isinstance(result, Fetched):
                    return result
                current = _parse(str(result))
            raise FetchRefused(f"{host} redirected more than {max_redirects} times; try another link.")
    except (TimeoutError, httpx.TimeoutException):
        raise FetchRefused(f"{host} took longer than {deadline:g} s to answer; try another link.", retry=True) from None
    except httpx.InvalidURL:
        raise FetchRefused(MALFORMED) from None
    except (httpx.HTTPError, OSError, zlib.error, UnicodeError):  # no raw text: it can hold the query
        raise FetchRefused(f"{host} cannot be reached or did not answer properly; try again later.", retry=True) from None
