# Pitboard in a container: `pitboard run` as a non-root user, the database on /data.
#
# The base is an argument so the image builds from any Debian-like Python >= 3.11:
# python:3.12-slim where Docker Hub is reachable, or a local one made with debootstrap
# (see docs/deploy.md). Both stages must use the same base: the venv's interpreter is a
# link to the base's python3.
#   docker build --build-arg BASE_IMAGE=python:3.12-slim -t pitboard:local .
ARG BASE_IMAGE=python:3.12-slim

FROM ${BASE_IMAGE} AS build
# A venv, not the system site-packages: Debian's python3 refuses `pip install` outside one
# (PEP 668), and the venv is one directory to copy into the final stage.
RUN python3 -m venv /opt/venv
WORKDIR /src
# Only what the package build reads (README.md is the project's readme in pyproject.toml);
# .dockerignore keeps everything else out of the build context.
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
RUN /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check .
# pip (and, on Python 3.11, setuptools) only installed things: the running bot needs
# neither, and each is ~10 MB more to ship and to patch.
RUN /opt/venv/bin/python -m pip uninstall --yes --quiet pip setuptools \
 || /opt/venv/bin/python -m pip uninstall --yes --quiet pip

FROM ${BASE_IMAGE}
# A fixed uid and gid, so a bind-mounted /data can be chowned to them from the host
# (chown 10001:10001).
RUN groupadd --system --gid 10001 pitboard \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin pitboard \
 && mkdir -p /data && chown pitboard:pitboard /data
COPY --from=build /opt/venv /opt/venv
# An installed package looks for data/events (the bundled event files a new database is
# seeded with, and the folder `pitboard run` watches) under its working directory.
WORKDIR /opt/pitboard
COPY data/events ./data/events
ENV PATH=/opt/venv/bin:$PATH \
    PITBOARD_DB=/data/pitboard.db \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
# A new named volume takes this directory's owner, so the non-root user can write to it.
VOLUME ["/data"]
USER pitboard
# `pitboard status` exits 1 unless a bot holds this database's lease and wrote its heartbeat
# (every 15 s) within 90 s with every platform connected. It takes ~1 s to start.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["pitboard", "status"]
# Tokens (DISCORD_BOT_TOKEN, TELEGRAM_BOT_TOKEN) come from the environment at `docker run`;
# with none, only the console channel runs and its posts go to the container's log.
CMD ["pitboard", "run"]
