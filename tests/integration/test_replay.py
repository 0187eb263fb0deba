"""`pitboard replay`: recorded feeds played through the real polling path, faster than life,
showing the posts a channel would get; the database is left as it was."""
import json

from tests.conftest import dump


def rc(minute, lap, text, flag=None, scope=None):
    return {"date": f"2026-06-10T13:{minute:02d}:00+00:00", "session_key": 4242, "lap_number": lap,
            "message": text, "flag": flag, "scope": scope, "category": "Other"}


# A race of our own as race control tells it: a virtual safety car that becomes a safety
# car, a red flag and the restart (no green flag: the pit exit opens), the finish.
OUR_RACE = [rc(0, 1, "GREEN LIGHT - PIT EXIT OPEN", "GREEN", "Track"),
            rc(5, 3, "VIRTUAL SAFETY CAR DEPLOYED"), rc(7, 4, "SAFETY CAR DEPLOYED"),
            rc(12, 7, "SAFETY CAR IN THIS LAP"), rc(20, 12, "RED FLAG", "RED", "Track"),
            rc(25, 12, "RACE WILL RESUME AT 14:40"), rc(40, 12, "GREEN LIGHT - PIT EXIT OPEN", "GREEN", "Track"),
            rc(59, 30, "CHEQUERED FLAG", "CHEQUERED", "Track")]
RESULT = [{"position": 1, "driver_number": 7, "number_of_laps": 30, "duration": 3500.2, "gap_to_leader": 0},
          {"position": 2, "driver_number": 9, "number_of_laps": 30, "duration": 3502.7, "gap_to_leader": 2.5}]


def test_replay_plays_a_recorded_race_to_the_console_in_order_and_changes_nothing(cli, app, tmp_path):
    control, result = tmp_path / "race_control.json", tmp_path / "session_result.json"
    control.write_text(json.dumps(OUR_RACE), encoding="utf-8")
    result.write_text(json.dumps(RESULT), encoding="utf-8")
    before = dump(app.db)
    done = cli("replay", str(control), str(result), "--event", "lemans", "--speed", "20000", "--poll", "0.02")
    assert done.code == 0, done.err
    titles = [line for line in done.out.splitlines() if " — " in line]
    assert [t.rsplit(" — ", 1)[0] for t in titles] == [
        "Virtual safety car", "Virtual safety car over", "Safety car", "Safety car in", "Red flag",
        "Restart after the red flag", "#7 wins"], done.out
    assert "7 post(s) sent." in done.err
    assert "laps 3–4" in done.out and "laps 4–7" in done.out  # the VSC ended where the safety car began
    assert dump(app.db) == before  # a scratch copy took it all


def test_replay_refuses_what_it_cannot_play_with_one_sentence(cli, app, tmp_path):
    garbage = tmp_path / "notes.txt"
    garbage.write_text("just some notes\n", encoding="utf-8")
    control = tmp_path / "race_control.json"
    control.write_text(json.dumps(OUR_RACE), encoding="utf-8")
    before = dump(app.db)
    cases = [
        (["replay", str(garbage), "--event", "lemans"], "is neither an OpenF1 JSON list nor an Al Kamel"),
        (["replay", str(control), "--event", "nowhere 1999"], "No event 'nowhere 1999' is known"),
        (["replay", str(control), "--event", "lemans", "--channel", "telegram:123"], "needs $TELEGRAM_BOT_TOKEN"),
        (["replay", str(control), "--event", "lemans", "--speed", "0"], "--speed must be above 0"),
        (["replay", str(tmp_path / "missing.json"), "--event", "lemans"], "cannot be read"),
    ]
    for args, says in cases:
        refused = cli(*args)
        assert refused.code == 1 and says in refused.err and "Traceback" not in refused.err, (args, refused.err)
    assert dump(app.db) == before


def test_replay_to_a_chat_is_refused_while_a_bot_runs_on_the_database(cli, app, tmp_path, monkeypatch):
    from bot.store.lease import acquire_lease

    control = tmp_path / "race_control.json"
    control.write_text(json.dumps(OUR_RACE), encoding="utf-8")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "4242:TEST-token")
    with acquire_lease(app.config.db_path, "pitboard run"):
        refused = cli("replay", str(control), "--event", "lemans", "--channel", "telegram:-100")
    assert refused.code == 1 and "A bot is running on this database" in refused.err
