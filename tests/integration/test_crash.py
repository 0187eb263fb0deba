"""SIGKILL the dispatching process at random moments of a fan-out to 500 channels: after
restarts every channel has every post, none is lost, at most one is doubled per kill."""
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter

from bot.bootstrap import bootstrap
from bot.config import Config
from bot.sources.event_file import load_event_file
from bot.sources.replay import replay_stages
from tests.conftest import LE_MANS_FILE, ROOT

CHANNELS = 500
KILLS = 5
HEADER = re.compile(r"^\[(fan-\d+) #\d+\]$")


def _prepare(db_path):
    app = bootstrap(Config(db_path=db_path, seed_events=False))
    for i in range(CHANNELS):
        ch = app.channels.ensure("console", f"fan-{i}")
        app.channels.subscribe(ch.id, "all", "")
    for stage in replay_stages(load_event_file(LE_MANS_FILE))[:5]:
        app.store([stage.bundle], stage.label)
    expected = app.db["deliveries"].count
    app.close()
    return expected


def _headers(path) -> int:
    return path.read_bytes().count(b"\n[fan-")


def _dispatch(db_path, log, log_path, kill_after_posts=None):
    """Run `pitboard dispatch`; with `kill_after_posts`, SIGKILL it as soon as it has
    written that many more posts (wherever it is: sending, writing, committing)."""
    env = {**os.environ, "PITBOARD_DB": str(db_path), "PYTHONPATH": str(ROOT)}
    before = _headers(log_path)
    proc = subprocess.Popen([sys.executable, "-m", "bot", "dispatch"], stdout=log, stderr=subprocess.PIPE, env=env,
                            cwd=ROOT)
    if kill_after_posts is None:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
        return False
    deadline = time.monotonic() + 60
    while proc.poll() is None and _headers(log_path) - before < kill_after_posts and time.monotonic() < deadline:
        time.sleep(0.001)
    if proc.poll() is not None:
        return False  # it finished before the kill
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return True


def _posts(path):
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines() + ["", "", "", ""]
    # Each post: "[channel #id]", its title, a rule, a blank line, then its first line of text
    # (the quote itself for quotes, which share a title when one driver said two things).
    return Counter((m[1], (lines[i + 1], lines[i + 4])) for i, line in enumerate(lines) if (m := HEADER.match(line)))


def test_sigkill_mid_fan_out_loses_nothing_and_doubles_at_most_one_post_per_kill(tmp_path):
    db_path = tmp_path / "crash.db"
    expected = _prepare(db_path)
    assert expected == CHANNELS * 7  # pole, safety car, safety car in, finish and three quotes each
    log_path = tmp_path / "posts.log"
    rng = random.Random(int(time.time()))
    kills, mid_fan_out = 0, 0
    log_path.touch()
    with open(log_path, "ab", buffering=0) as log:
        for k in range(KILLS):
            # Kill at a random point of what is left, leaving room for the later kills.
            left = expected - sum(_posts(log_path).values())
            killed = _dispatch(db_path, log, log_path, kill_after_posts=rng.randint(1, max(1, left // (KILLS - k + 1))))
            kills += killed
            mid_fan_out += killed and 0 < sum(_posts(log_path).values()) < expected
        _dispatch(db_path, log, log_path)
    posts = _posts(log_path)
    per_channel = Counter(channel for channel, _ in posts.elements())
    assert len(per_channel) == CHANNELS
    assert sum(posts.values()) >= expected
    missing = [(c, n) for c, n in per_channel.items() if len({post for (ch, post) in posts if ch == c}) < 7]
    assert missing == []
    doubled = sum(n - 1 for n in posts.values() if n > 1)
    print(f"{kills} kills, {sum(posts.values())} posts for {expected} deliveries, {doubled} doubled")
    assert doubled <= kills, f"{doubled} doubled posts after {kills} kills"
    assert mid_fan_out >= KILLS - 1, f"only {mid_fan_out} kills landed during the fan-out"


PIPELINED_CHANNELS = 300


def test_sigkill_with_many_sends_in_flight_doubles_at_most_one_post_per_chat_and_none_with_nonces(tmp_path):
    """The dispatcher keeps many sends in flight (one per chat at most): a kill may leave a
    post per such chat received but not recorded, and no more. With nonces the platform
    answers the repeat with the post it made, so nothing is doubled at all."""
    from tests.integration.crash_worker import PLATFORM

    rng = random.Random(int(time.time()))
    for nonces in (False, True):
        db_path, log_path = tmp_path / f"pipelined-{nonces}.db", tmp_path / f"received-{nonces}.log"
        app = bootstrap(Config(db_path=db_path, seed_events=False))
        for i in range(PIPELINED_CHANNELS):
            app.channels.subscribe(app.channels.ensure(PLATFORM, f"fan-{i}").id, "all", "")
        for stage in replay_stages(load_event_file(LE_MANS_FILE))[:5]:
            app.store([stage.bundle], stage.label)
        expected = {f"pb{i}r1" for (i,) in app.db.execute("SELECT id FROM deliveries")}
        app.close()
        log_path.touch()
        command = [sys.executable, "-m", "tests.integration.crash_worker", str(db_path), str(log_path)]
        command += ["--nonces"] if nonces else []
        in_flight_at_kills = []
        for _ in range(3):
            before = _lines(log_path)
            proc = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                                    stderr=subprocess.PIPE)
            target = before + rng.randint(50, 400)
            deadline = time.monotonic() + 60
            while proc.poll() is None and _lines(log_path) < target and time.monotonic() < deadline:
                time.sleep(0.001)
            assert proc.poll() is None, proc.stderr.read().decode()
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            check = sqlite3.connect(db_path)
            in_flight_at_kills.append(check.execute("SELECT count(*) FROM deliveries WHERE status = 'sending'")
                                      .fetchone()[0])
            check.close()
        done = subprocess.run(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr.decode()
        received = Counter()
        per_chat = Counter()
        for line in log_path.read_text(encoding="utf-8").splitlines():
            chat, nonce, _ = line.split("\t")
            received[nonce] += 1
            per_chat[chat] += 1
        assert set(received) == expected  # nothing lost
        doubled = {nonce: n - 1 for nonce, n in received.items() if n > 1}
        print(f"nonces={nonces}: in flight at the kills {in_flight_at_kills}, {sum(doubled.values())} doubled")
        assert max(in_flight_at_kills) > 1  # the kills did land with many sends in flight
        extra_per_chat = [n - 7 for n in per_chat.values()]
        assert max(extra_per_chat) <= 3  # at most one per chat per kill
        assert sum(doubled.values()) <= sum(in_flight_at_kills)
        if nonces:
            assert doubled == {}


def _lines(path) -> int:
    return path.read_bytes().count(b"\n")
