"""A throwaway HTTP server on 127.0.0.1 for tests that poll a source over the network."""
from aiohttp import web


class Loopback:
    """An aiohttp server on 127.0.0.1 (a free port) for one test."""

    async def start(self, routes) -> str:
        """Serve `routes`; returns the base address, http://127.0.0.1:PORT."""
        app = web.Application()
        app.router.add_routes(routes)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
        return self.base

    async def stop(self):
        """Close the server and its connections."""
        await self.runner.cleanup()
