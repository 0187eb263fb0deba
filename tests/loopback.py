"""A throwaway HTTP server on a loopback address for tests that poll a source over the network."""
from aiohttp import web


class Loopback:
    """An aiohttp server on 127.0.0.1 (or another loopback address) and a free port, for one test."""

    host = "127.0.0.1"

    def __init__(self, host: str = "127.0.0.1"):
        self.host = host

    async def start(self, routes) -> str:
        """Serve `routes`; returns the base address, http://HOST:PORT."""
        app = web.Application()
        app.router.add_routes(routes)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.host, 0)
        await site.start()
        self.base = f"http://{self.host}:{site._server.sockets[0].getsockname()[1]}"
        return self.base

    async def stop(self):
        """Close the server and its connections."""
        await self.runner.cleanup()
