"""One sending bot per database: the lease `pitboard run`, `dispatch` and `demo` take, and
the claim check that keeps a dispatcher off a delivery someone else is sending."""
import asyncio
import fcntl
import os
import signal
import subprocess
import sys
import time

import pytest

from bot.ports import Limits
from bot.bootstrap import bootstrap
from bot.config import Config
from bot.demo import run_demo
from bot.platforms.fake import FakePlatform
from bot.sources.event_file import load_event_file
from bot.sources.replay import replay_stages
from bot.store.lease import Lease, LeaseHeld, LeaseUnavailable, acquire_lease, lease_holder
from tests.conftest import LE_MANS_FILE, ROOT, new_store


def _env(db_path, **extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_BOT_TOKEN", "TELEGRAM_BOT_TOKEN")}
    return {**env, "PITBOARD_DB": str(db_path), "PYTHONPATH": str(ROOT), **extra}


def _start(db_path, command="run"):
    return subprocess.Popen([sys.executable, "-m", "bot", command], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=_env(db_path), cwd=ROOT)


def _read_until(proc, stream, needle: str, timeout: float = 20.0) -> str:
    """Read `stream` of `proc` until `needle` shows up (failing if the process ends first)."""
    seen = ""
    deadline = time.monotonic() + timeout
    os.set_blocking(stream.fileno(), False)
    while needle not in seen:
        ended = proc.poll() is not None  # before reading, so its last words are read too
        chunk = stream.read()
        if chunk:
            seen += chunk.decode()
            continue
        if ended:
            raise AssertionError(f"exited with {proc.returncode} before {needle!r}; got:\n{seen}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{needle!r} never appeared; got:\n{seen}")
        time.sleep(0.05)
    return seen


def _stop(proc):
    if proc.poll() is None:
        proc.kill()
    proc.communicate(timeout=15)


@pytest.fixture
def running(tmp_path):
    """A `pitboard run` on tmp_path/run.db, up and holding the lease."""
    db_path = tmp_path / "run.db"
    proc = _start(db_path)
    try:
        _read_until(proc, proc.stderr, "Pitboard is running")
        yield db_path, proc
    finally:
        _stop(proc)


def _one_sentence(err: bytes, pid: int, command: str) -> str:
    text = err.decode().strip()
    assert text.count("\n") == 0, text
    assert text.startswith(f"Another Pitboard ({command}, pid {pid} on host "), text
    assert text.endswith("; stop it first, or give this one another database with --db."), text
    return text


def test_a_second_run_on_the_same_database_exits_and_the_first_keeps_going(running):
    db_path, first = running
    second = _start(db_path)
    try:
        out, err = second.communicate(timeout=10)
    finally:
        _stop(second)
    assert second.returncode == 1
    text = _one_sentence(err, first.pid, "pitboard run")
    assert f"is already sending from {db_path};" in text
    assert out == b""  # it started nothing: no console channel, no posts
    assert first.poll() is None
    first.stdin.write(b"/results lemans\n")
    first.stdin.flush()
    assert "Dan Cammish" in _read_until(first, first.stdout, "Dan Cammish")
    assert lease_holder(db_path)["pid"] == first.pid


def test_a_sigkilled_holder_does_not_block_a_restart(running):
    db_path, first = running
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=15)
    assert (db_path.parent / "run.db.lock").exists()  # left behind, but nobody locks it
    assert lease_holder(db_path) is None
    restarted = _start(db_path)
    try:
        _read_until(restarted, restarted.stderr, "Pitboard is running")
        assert lease_holder(db_path)["pid"] == restarted.pid
    finally:
        _stop(restarted)


def test_dispatch_while_run_holds_the_lease_exits_and_sends_nothing(tmp_path):
    db_path = tmp_path / "run.db"
    app = _race_app(db_path, "fans")
    # Paused, so the running bot leaves its deliveries alone: whatever happens to them
    # below is the second process's doing.
    fans = app.channels.find("console", "fans")
    app.channels.pause(fans.id, "test")
    app.close()
    first = _start(db_path)
    try:
        _read_until(first, first.stderr, "Pitboard is running")
        app = bootstrap(Config(db_path=db_path, seed_events=False))
        try:
            # One of them is in flight in the running bot: a recovery would reset it.
            app.db.execute("UPDATE deliveries SET status = 'sending' WHERE id = (SELECT min(id) FROM deliveries "
                           "WHERE channel_id = ?)", [fans.id])
            before = _statuses(app, fans.id)
            dispatch = _start(db_path, "dispatch")
            out, err = dispatch.communicate(timeout=30)
            assert dispatch.returncode == 1
            _one_sentence(err, first.pid, "pitboard run")
            assert out == b""  # not one post
            assert _statuses(app, fans.id) == before and before["sending"] == 1
        finally:
            app.close()
        assert first.poll() is None
    finally:
        _stop(first)


def test_acquire_conflicts_on_another_open_file_and_lets_go_on_release(tmp_path):
    db_path = tmp_path / "x.db"
    assert lease_holder(db_path) is None  # no lock file yet
    lease = acquire_lease(db_path, "pitboard run")
    try:
        assert lease.held and lease.path == tmp_path / "x.db.lock"
        holder = lease_holder(db_path)
        assert holder == lease.holder
        assert holder["pid"] == os.getpid() and holder["command"] == "pitboard run"
        assert holder["host"] and holder["started"].endswith("+00:00")
        # flock belongs to the open file description: a second open conflicts, even here.
        # (No patience: the holder is not a probe about to let go.)
        with pytest.raises(LeaseHeld) as raised:
            acquire_lease(db_path, "pitboard dispatch", patience=0)
        assert raised.value.holder["pid"] == os.getpid()
        assert f"pid {os.getpid()} on host " in str(raised.value)
        assert str(raised.value).startswith("Another Pitboard (pitboard run, pid ")
        assert f"already sending from {db_path};" in str(raised.value)
        assert lease_holder(db_path)["command"] == "pitboard run"  # the refused one wrote nothing
    finally:
        lease.release()
    lease.release()  # twice is fine
    assert not lease.held
    assert lease_holder(db_path) is None
    with acquire_lease(db_path, "pitboard dispatch") as again:
        assert lease_holder(db_path)["command"] == "pitboard dispatch"
        assert again.holder["pid"] == os.getpid()
    assert lease_holder(db_path) is None


def test_the_lock_file_holds_only_the_last_holder(tmp_path):
    db_path = tmp_path / "x.db"
    with acquire_lease(db_path, "pitboard dispatch with a very long command name"):
        pass
    with acquire_lease(db_path, "run"):
        assert lease_holder(db_path)["command"] == "run"  # no tail of the longer text left


def test_a_lock_taken_elsewhere_is_named_even_without_a_description(tmp_path):
    db_path = tmp_path / "x.db"
    fd = os.open(f"{db_path}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # This holder never writes a description: no need to wait for one, nor for it to let go.
        assert lease_holder(db_path, read_tries=1) == {}
        with pytest.raises(LeaseHeld) as raised:
            acquire_lease(db_path, "pitboard run", patience=0, read_tries=1)
        assert str(raised.value) == (f"Another Pitboard is already sending from {db_path}; "
                                     "stop it first, or give this one another database with --db.")
    finally:
        os.close(fd)


def test_memory_databases_need_no_lease():
    lease = acquire_lease(":memory:", "pitboard run")
    assert isinstance(lease, Lease) and not lease.held and lease.path is None
    assert acquire_lease(":memory:", "pitboard run").holder["pid"] == os.getpid()  # no conflict
    assert lease_holder(":memory:") is None
    lease.release()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_gives_one_clear_error(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(LeaseUnavailable) as raised:
            acquire_lease(folder / "x.db", "pitboard run")
    finally:
        folder.chmod(0o755)
    assert isinstance(raised.value, OSError)
    assert str(raised.value).startswith(f"Cannot create the lock file {folder / 'x.db.lock'} (")
    assert str(raised.value).endswith("give a database in a writable folder with --db.")


def test_a_lock_file_that_cannot_be_created_gives_one_clear_error(tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    with pytest.raises(LeaseUnavailable) as raised:
        acquire_lease(not_a_folder / "x.db", "pitboard run")
    assert str(raised.value).startswith(f"Cannot create the lock file {not_a_folder / 'x.db.lock'} (")
    assert str(raised.value).endswith("; give a database in a writable folder with --db.")


def test_the_demo_does_not_wipe_a_demo_database_in_use(tmp_path, capsys):
    demo_db = tmp_path / "demo.db"
    demo_db.write_bytes(b"in use")
    with acquire_lease(demo_db, "pitboard demo"):
        assert run_demo(Config(db_path=tmp_path / "pitboard.db"), step=0) == 1
    assert demo_db.read_bytes() == b"in use"
    assert capsys.readouterr().err.startswith(f"Another Pitboard (pitboard demo, pid {os.getpid()} on host ")


def _race_app(db_path, *addresses):
    """The bundled Le Mans race stored, stage by stage, for console channels following
    everything (not seeded first: a race stored whole already posts nothing)."""
    app = bootstrap(Config(db_path=new_store(db_path), seed_events=False))
    for address in addresses:
        ch = app.channels.ensure("console", address)
        app.channels.subscribe(ch.id, "all", "")
    for stage in replay_stages(load_event_file(LE_MANS_FILE)):
        app.store([stage.bundle], stage.label)
    return app


def _statuses(app, channel_id=None) -> dict:
    where, args = ("WHERE channel_id = ?", [channel_id]) if channel_id else ("", [])
    return dict(app.db.execute(f"SELECT status, count(*) FROM deliveries {where} GROUP BY status", args).fetchall())


def _rounds(dispatcher):
    """Dispatcher rounds until one sends nothing (a channel gets one post per round)."""
    async def go():
        while await asyncio.wait_for(dispatcher.run_once(), 10):
            pass

    asyncio.run(go())


def test_a_delivery_claimed_elsewhere_is_not_sent_and_the_others_are(tmp_path):
    app = _race_app(tmp_path / "x.db", "c1", "c2")
    try:
        c1 = app.channels.find("console", "c1").id
        per_channel = app.db.execute("SELECT count(*) FROM deliveries WHERE channel_id = ?", [c1]).fetchone()[0]
        assert per_channel >= 2
        claimed = app.db.execute("SELECT min(id) FROM deliveries WHERE channel_id = ?", [c1]).fetchone()[0]
        # Another process has claimed it and is sending it now.
        app.db.execute("UPDATE deliveries SET status = 'sending' WHERE id = ?", [claimed])
        fake = FakePlatform("console")
        dispatcher = app.dispatcher({"console": fake})
        _rounds(dispatcher)
        sent = [int(s.nonce[2:].split("r")[0]) for s in fake.sent]  # nonces are pb<delivery id>r<revision>
        assert claimed not in sent and sorted(sent) == sorted(set(sent))  # not ours, and nothing twice
        # c2 got all its posts; c1's later ones wait behind the one in flight (posts keep their order).
        assert [s.channel for s in fake.sent] == ["c2"] * per_channel
        assert _statuses(app, c1) == {"sending": 1, "pending": per_channel - 1}
        assert app.db.execute("SELECT attempts FROM deliveries WHERE id = ?", [claimed]).fetchone()[0] == 0
    finally:
        app.close()


def test_a_claim_lost_between_reading_and_claiming_sends_nothing_and_counts_nothing(tmp_path):
    app = _race_app(tmp_path / "x.db", "c1", "c2", "c3")
    try:
        # One send in flight at a time and one send a minute: a leaked slot would hang the
        # round (hence wait_for), a counted send would make the next one wait.
        fake = FakePlatform("console", limits=Limits(1, 60.0, 1_000, 1.0), max_in_flight=1)
        dispatcher = app.dispatcher({"console": fake})
        lane = dispatcher.lanes["console"]
        assert lane.refill() == 3  # each channel's oldest post, read into memory
        # Someone else claims every row after this lane read them.
        app.db.execute("UPDATE deliveries SET status = 'sending' WHERE status = 'pending'")
        assert asyncio.run(asyncio.wait_for(dispatcher.run_once(), 10)) == 0
        assert fake.sent == []
        assert lane.limiter.global_wait(dispatcher.pace()) == 0
        assert set(_statuses(app)) == {"sending"}
        assert app.db.execute("SELECT max(attempts) FROM deliveries").fetchone()[0] == 0
    finally:
        app.close()


def test_a_new_dispatcher_leaves_sending_rows_alone_recover_is_the_lease_holders_call(tmp_path):
    app = _race_app(tmp_path / "x.db", "c1")
    try:
        app.db.execute("UPDATE deliveries SET status = 'sending' WHERE id = (SELECT min(id) FROM deliveries)")
        dispatcher = app.dispatcher({"console": FakePlatform("console")})
        assert _statuses(app)["sending"] == 1  # constructing it changed nothing
        assert dispatcher.recover() == 1
        assert "sending" not in _statuses(app)
    finally:
        app.close()
