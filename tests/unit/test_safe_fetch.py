"""The fetcher for users' links: what it refuses, and that it reads pages safely.

Only loopback servers are used. An autouse guard lets connections go to 127.0.0.1 only and
lets no name reach DNS, so a bug in the fetcher cannot make these tests touch the internet.
"""
from __future__ import annotations

import asyncio
import contextlib
import functools
import gzip
import ipaddress
import socket
import ssl
import tracemalloc

import pytest
from aiohttp import web

from bot.reports.fetch import FetchRefused, Fetched, fetch_untrusted, is_public_address
from tests.loopback import Loopback

LOOPBACK_OK = {"allow": lambda ip: ip.is_loopback}  # stands in for "public" when the server is local
NOT_PUBLIC = "is not a public address"
BOMB = functools.cache(lambda: gzip.compress(bytes(20_000_000)))  # 20 MB of zeros in about 20 kB


@pytest.fixture(autouse=True)
def network_guard(monkeypatch):
    """Record every outgoing connection; refuse all but 127.0.0.1, and any DNS lookup of a name."""
    connections = []
    connect, lookup = asyncio.BaseEventLoop.create_connection, asyncio.BaseEventLoop.getaddrinfo

    async def guarded_connect(loop, factory, host=None, port=None, **kwargs):
        connections.append(host)
        if host != "127.0.0.1":
            raise AssertionError(f"the fetcher tried to connect to {host}")
        return await connect(loop, factory, host, port, **kwargs)

    async def guarded_lookup(loop, host, *args, **kwargs):
        ipaddress.ip_address(host)  # a name would go to DNS: ValueError instead
        return await lookup(loop, host, *args, **kwargs)

    monkeypatch.setattr(asyncio.BaseEventLoop, "create_connection", guarded_connect)
    monkeypatch.setattr(asyncio.BaseEventLoop, "getaddrinfo", guarded_lookup)
    return connections


class Site:
    """A test server's pages, counting what each one was asked and wrote."""

    def __init__(self):
        self.hits: list[tuple[str, str]] = []  # (path, Host header)
        self.written = 0
        self.release = asyncio.Event()  # lets held-open answers end before the server stops

    def routes(self):
        return [web.get("/{path:.*}", self.handle)]

    async def handle(self, request):
        self.hits.append((request.path, request.headers.get("Host", "")))
        self.port = request.transport.get_extra_info("sockname")[1]
        page = getattr(self, "page_" + request.path.strip("/").replace("/", "_"), None)
        return await page(request) if page else web.Response(text="<p>Report</p>", content_type="text/html")

    async def page_old(self, request):
        raise web.HTTPFound("/news/new?token=SECRET")

    async def page_loop(self, request):
        raise web.HTTPFound("/loop")

    async def page_missing(self, request):
        return web.Response(status=404, text="gone")

    async def page_png(self, request):
        return web.Response(body=b"\x89PNG\r\n", content_type="image/png")

    async def page_plain(self, request):
        return web.Response(body=b"P1 Vettel", headers={"Content-Type": ""})

    async def page_gzip(self, request):
        return web.Response(body=gzip.compress(b"<p>Packed report</p>"),
                            headers={"Content-Type": "text/html", "Content-Encoding": "gzip"})

    async def page_bomb(self, request):
        return web.Response(body=BOMB(), headers={"Content-Type": "text/plain", "Content-Encoding": "gzip"})

    async def page_huge(self, request):  # 20 MB, chunked, made as it goes
        # A small send buffer: what the server managed to write then tracks what the client read.
        request.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65_536)
        response = web.StreamResponse(headers={"Content-Type": "text/plain"})
        await response.prepare(request)
        try:
            for _ in range(20_000_000 // 65_536):
                await response.write(b"x" * 65_536)
                self.written += 65_536
        except Exception:  # noqa: BLE001 - the client hung up, as it should
            pass
        return response

    async def page_announced(self, request):  # says 10 MB, then sends nothing
        response = web.StreamResponse(headers={"Content-Type": "text/html", "Content-Length": "10000000"})
        await response.prepare(request)
        await self.release.wait()
        return response

    async def page_drip(self, request):
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        try:
            while not self.release.is_set() and self.written < 40:
                await response.write(b"x")
                self.written += 1
                with contextlib.suppress(TimeoutError):  # a byte every 0.5 s, until the test ends
                    await asyncio.wait_for(self.release.wait(), 0.5)
        except Exception:  # noqa: BLE001 - the client hung up
            pass
        return response


async def _serve(sites, attempt):
    servers = [Loopback() for _ in sites]
    bases = [await server.start(site.routes()) for server, site in zip(servers, sites)]
    try:
        return await attempt(*bases)
    except FetchRefused as err:
        return err
    finally:
        for site in sites:
            site.release.set()
        for server in servers:
            await server.stop()


def fetch(url: str, site: Site | None = None, **kwargs):
    """Fetch `url` ({port} and {base} filled in) from a fresh server: a Fetched or a FetchRefused."""
    site = site or Site()

    async def attempt(base):
        return await fetch_untrusted(url.format(base=base, port=base.rsplit(":", 1)[1]), **kwargs)
    return asyncio.run(_serve([site], attempt))


def resolver(*answers):
    """A fake DNS giving each answer in turn (the last one again after), recording the names asked."""
    asked = []

    async def resolve(host, port):
        asked.append((host, port))
        return answers[min(len(asked), len(answers)) - 1]
    resolve.asked = asked
    return resolve


# Hosts (with port and path) of http:// links that must be refused; the test builds each link.
@pytest.mark.parametrize("where, says", [
    ("127.0.0.1:{port}/", NOT_PUBLIC),
    ("localhost:{port}/", NOT_PUBLIC),
    ("LOCALHOST.:{port}/", NOT_PUBLIC),
    ("reports.localhost:{port}/", NOT_PUBLIC),
    ("2130706433:{port}/", NOT_PUBLIC),
    ("0x7f000001:{port}/", NOT_PUBLIC),
    ("127.1:{port}/", NOT_PUBLIC),
    ("0x7f.1:{port}/", NOT_PUBLIC),
    ("127.0.0.1.:{port}/", NOT_PUBLIC),
    ("0177.0.0.1:{port}/", "not a link that can be read"),
    ("[::1]:{port}/", NOT_PUBLIC),
    ("[::ffff:127.0.0.1]:{port}/", NOT_PUBLIC),
    ("[::127.0.0.1]:{port}/", NOT_PUBLIC),
    ("[64:ff9b::7f00:1]:{port}/", NOT_PUBLIC),
    ("[2002:7f00:1::1]:{port}/", NOT_PUBLIC),
    ("169.254.169.254/latest/meta-data/", NOT_PUBLIC),
    ("10.0.0.1/", NOT_PUBLIC),
    ("172.16.0.1/", NOT_PUBLIC),
    ("192.168.1.1/", NOT_PUBLIC),
    ("100.64.0.1/", NOT_PUBLIC),
    ("0.0.0.0:{port}/", NOT_PUBLIC),
    ("[::]:{port}/", NOT_PUBLIC),
    ("255.255.255.255/", NOT_PUBLIC),
    ("224.0.0.1/", NOT_PUBLIC),
    ("[fd00::1]/", NOT_PUBLIC),
    ("[fe80::1]/", NOT_PUBLIC),
    ("reporter:hunter2@127.0.0.1:{port}/", "user name or password"),
    ("reporter:hunter2@example.org/", "user name or password"),
    ("example.org:99999/", "not a link that can be read"),
])
def test_refused_hosts_get_no_request(where, says, network_guard):
    check_refused("http://" + where, says, network_guard)


@pytest.mark.parametrize("url, says", [
    ("ftp://127.0.0.1:{port}/report.txt", "Only http and https links can be read"),
    ("file:///etc/passwd", "Only http and https links can be read"),
    ("javascript:alert(1)", "Only http and https links can be read"),
    ("example.org/report", "Only http and https links can be read"),
    ("https://", "not a link that can be read"),
])
def test_refused_links_get_no_request(url, says, network_guard):
    check_refused(url, says, network_guard)


def check_refused(url, says, network_guard):
    """Fetching `url` (with a secret in its query) is refused, and nothing was asked of anyone."""
    site = Site()
    err = fetch(url + "?token=SECRET", site)
    assert isinstance(err, FetchRefused) and says in err.text and str(err) == err.text
    assert "SECRET" not in err.text and "hunter2" not in err.text and "reporter" not in err.text
    assert site.hits == [] and network_guard == []


def test_the_refusal_names_the_host():
    err = fetch("http://" + "2130706433:{port}/report")
    assert err.text == "2130706433 is not a public address; send a link to a report on a public web site."


def test_a_name_is_resolved_once_and_the_request_goes_to_that_address(network_guard):
    site, resolve = Site(), resolver(["127.0.0.1"], ["10.0.0.1"])  # a rebinding DNS
    page = fetch("http://Reports.Example.invalid:{port}/race", site, resolve=resolve, **LOOPBACK_OK)
    port = site.port
    assert page == Fetched(f"http://reports.example.invalid:{port}/race", "text/html; charset=utf-8", b"<p>Report</p>")
    assert site.hits == [("/race", f"reports.example.invalid:{port}")]
    assert resolve.asked == [("reports.example.invalid", port)] and network_guard == ["127.0.0.1"]


def test_each_redirect_is_resolved_and_checked_again():
    site, resolve = Site(), resolver(["127.0.0.1"], ["10.0.0.1"])  # the same name, rebound on the 2nd hop
    err = fetch("http://news.example.invalid:{port}/old", site, resolve=resolve,
                allow=lambda ip: ip == ipaddress.IPv4Address("127.0.0.1"))
    assert err.text == "news.example.invalid is not a public address; send a link to a report on a public web site."
    assert [path for path, _ in site.hits] == ["/old"] and len(resolve.asked) == 2


def test_one_private_address_among_public_ones_refuses_without_connecting(network_guard):
    resolve = resolver(["93.184.216.34", "127.0.0.1"])
    err = fetch("https://mixed.example.invalid/report", resolve=resolve)
    assert NOT_PUBLIC in err.text and resolve.asked == [("mixed.example.invalid", 443)] and network_guard == []


@pytest.mark.parametrize("answer", [OSError("no such name"), socket.gaierror(-2, "Name or service not known"), []])
def test_a_name_that_cannot_be_resolved(answer):
    async def resolve(host, port):
        if isinstance(answer, Exception):
            raise answer
        return answer
    err = fetch("http://nowhere.invalid/report?token=SECRET", resolve=resolve)
    assert err.text == "nowhere.invalid cannot be found; check the link."


def test_redirects_are_followed_and_the_final_url_keeps_the_name():
    site = Site()
    page = fetch("http://news.example.invalid:{port}/old", site, resolve=resolver(["127.0.0.1"]), **LOOPBACK_OK)
    assert page.url == f"http://news.example.invalid:{site.port}/news/new?token=SECRET" and page.body == b"<p>Report</p>"
    assert [path for path, _ in site.hits] == ["/old", "/news/new"]


# Where the redirect points: a host of an http:// link (True), or a whole link (False).
@pytest.mark.parametrize("target, says, is_host", [
    ("127.0.0.1:{port2}/secret", NOT_PUBLIC, True),
    ("2130706433:{port2}/secret", NOT_PUBLIC, True),
    ("[::ffff:127.0.0.1]:{port2}/secret", NOT_PUBLIC, True),
    ("169.254.169.254/latest/meta-data/", NOT_PUBLIC, True),
    ("file:///etc/passwd", "Only http and https", False),
    ("ftp://127.0.0.1:{port2}/secret", "Only http and https", False),
    ("admin:hunter2@127.0.0.1:{port2}/secret", "user name or password", True),
])
def test_a_redirect_to_a_refused_place_is_refused(target, says, is_host, network_guard):
    target = "http://" + target if is_host else target
    first, second = Site(), Site()
    calls = []

    def allow(ip):  # the first hop's server is ours; from then on, the real policy
        calls.append(ip)
        return len(calls) == 1 or is_public_address(ip)

    async def attempt(base, base2):
        async def jump(request):
            raise web.HTTPFound(target.format(port2=base2.rsplit(":", 1)[1]))
        first.page_jump = jump
        return await fetch_untrusted("http://news.example.invalid:{}/jump".format(base.rsplit(":", 1)[1]),
                                     resolve=resolver(["127.0.0.1"]), allow=allow)
    err = asyncio.run(_serve([first, second], attempt))
    assert isinstance(err, FetchRefused) and says in err.text and "hunter2" not in err.text
    assert [path for path, _ in first.hits] == ["/jump"] and second.hits == [] and network_guard == ["127.0.0.1"]


def test_a_redirect_loop_stops_after_the_limit():
    site = Site()
    err = fetch("http://127.0.0.1:{port}/loop", site, max_redirects=5, **LOOPBACK_OK)
    assert err.text == "127.0.0.1 redirected more than 5 times; try another link."
    assert len(site.hits) == 6


def test_a_long_page_is_cut_while_streaming():
    site = Site()
    err = fetch("{base}/huge", site, max_bytes=1_000_000, **LOOPBACK_OK)
    assert err.text == "The page at 127.0.0.1 is larger than 1,000,000 bytes; send a link to a shorter one."
    assert site.written < 5_000_000  # the server could not push the 20 MB: the client hung up


def test_a_gzip_bomb_is_cut_while_inflating():
    fetch("{base}/gzip", **LOOPBACK_OK), BOMB()  # first-use costs (imports, caches) are not the bomb's
    tracemalloc.start()
    try:
        err = fetch("{base}/bomb", max_bytes=1_000_000, **LOOPBACK_OK)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "larger than 1,000,000 bytes" in err.text
    assert peak < 8_000_000  # inflating it whole would take 20 MB at once


def test_a_compressed_page_is_read():
    page = fetch("{base}/gzip", **LOOPBACK_OK)
    assert page.body == b"<p>Packed report</p>" and page.content_type == "text/html"


def test_a_page_announced_too_long_is_refused_before_reading():
    site = Site()  # the body never comes: reading it would end at the deadline instead
    err = fetch("{base}/announced", site, deadline=5, max_bytes=1_000_000, **LOOPBACK_OK)
    assert "larger than 1,000,000 bytes" in err.text


@pytest.mark.parametrize("path, content_type", [("plain", ""), ("page", "text/html; charset=utf-8")])
def test_text_and_pages_without_a_type_are_read(path, content_type):
    page = fetch("{base}/" + path, **LOOPBACK_OK)
    assert page.content_type == content_type and page.body


def test_an_image_is_refused():
    err = fetch("{base}/png", **LOOPBACK_OK)
    assert err.text == "127.0.0.1 sent image/png, not a web page; send a link to the report's web page."


def test_an_http_error_gives_its_status_and_not_the_query():
    err = fetch("{base}/missing?token=SECRET", **LOOPBACK_OK)
    assert err.text == "127.0.0.1 answered 404; check the link."


def test_a_server_that_is_down():
    with socket.socket() as sock:  # a port nobody listens on any more
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    err = asyncio.run(_serve([], lambda: fetch_untrusted(f"http://127.0.0.1:{port}/?token=SECRET", **LOOPBACK_OK)))
    assert err.text.startswith("127.0.0.1 cannot be reached") and "SECRET" not in err.text


def test_a_server_dripping_bytes_is_cut_at_the_deadline():
    site = Site()
    err = fetch("{base}/drip", site, deadline=1.0, **LOOPBACK_OK)
    assert err.text == "127.0.0.1 took longer than 1 s to answer; try another link."
    assert 1 <= site.written < 40


def test_https_uses_the_real_name_for_sni_and_the_certificate(tmp_path, monkeypatch):
    certifi = pytest.importorskip("certifi")
    ca, leaf, key = _certificates(tmp_path, "reports.example.invalid")
    monkeypatch.setattr(certifi, "where", lambda: str(ca))
    server_names = []
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(leaf, key)
    context.sni_callback = lambda sock, name, ctx: server_names.append(name)

    async def main():
        runner = web.AppRunner(web.Application(), access_log=None)
        runner.app.router.add_routes(Site().routes())
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        outcome = []
        try:
            for name in ("reports.example.invalid", "other.example.invalid"):
                try:
                    outcome.append(await fetch_untrusted(f"https://{name}:{port}/race", resolve=resolver(["127.0.0.1"]),
                                                         **LOOPBACK_OK))
                except FetchRefused as err:
                    outcome.append(err)
        finally:
            await runner.cleanup()
        return port, outcome
    port, (good, wrong_name) = asyncio.run(main())
    assert good.url == f"https://reports.example.invalid:{port}/race" and good.body == b"<p>Report</p>"
    assert wrong_name.text.startswith("other.example.invalid cannot be reached")  # the certificate is not for it
    assert server_names == ["reports.example.invalid", "other.example.invalid"]


def _certificates(folder, name):
    """A throwaway CA and a certificate for `name` signed by it: (ca.pem, leaf.pem, leaf-key.pem)."""
    pytest.importorskip("cryptography")
    from datetime import datetime, timedelta, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.now(timezone.utc)

    def cert(subject, key, issuer, issuer_key, ca):
        builder = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
                   .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(hours=1))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if ca:
            builder = builder.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                                            critical=True)
        else:
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False)
        return builder.sign(issuer_key, hashes.SHA256())

    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    files = folder / "ca.pem", folder / "leaf.pem", folder / "leaf-key.pem"
    files[0].write_bytes(cert("Test CA", ca_key, "Test CA", ca_key, True).public_bytes(serialization.Encoding.PEM))
    files[1].write_bytes(cert(name, leaf_key, "Test CA", ca_key, False).public_bytes(serialization.Encoding.PEM))
    files[2].write_bytes(leaf_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                serialization.NoEncryption()))
    return files


@pytest.mark.parametrize("address, public", [
    ("93.184.216.34", True), ("2606:4700:4700::1111", True), ("::ffff:93.184.216.34", True),
    ("64:ff9b::5db8:d822", True), ("2002:5db8:d822::1", True),
    ("127.0.0.1", False), ("10.1.2.3", False), ("172.31.255.255", False), ("192.168.0.1", False),
    ("100.64.0.1", False), ("169.254.169.254", False), ("0.0.0.0", False), ("255.255.255.255", False),
    ("224.0.0.251", False), ("240.0.0.1", False), ("192.0.2.1", False), ("198.51.100.1", False),
    ("203.0.113.1", False), ("198.18.0.1", False), ("192.0.0.8", False),
    ("::", False), ("::1", False), ("fc00::1", False), ("fd12:3456::1", False), ("fe80::1", False),
    ("ff02::1", False), ("2001:db8::1", False), ("::ffff:127.0.0.1", False), ("::ffff:10.0.0.1", False),
    ("64:ff9b::a00:1", False), ("2002:a00:1::1", False), ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),
    ("::127.0.0.1", False), ("fe80::1%eth0", False),
])
def test_public_addresses(address, public):
    assert is_public_address(ipaddress.ip_address(address)) is public
