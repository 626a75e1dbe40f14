"""A process killed between the commit of a new key's event and the move of the key into place (found
by the crash test): the key is left as `KEY.pending`; the next lookup by the id the log names promotes
it, so the party (or the log's operator) can still sign."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from inwriting.app import log as log_cases
from inwriting.app import registry, talks
from inwriting.app.context import App
from inwriting.app.keystore import Keystore
from inwriting.storage.store import Store

KILL_AT_RENAME = textwrap.dedent(
    """
    import os, signal, sys
    from inwriting.app import registry, setup
    from inwriting.app.context import App
    from inwriting.app.keystore import Keystore
    from inwriting.storage.store import Store
    db, keys, what = sys.argv[1:4]
    real_replace = os.replace
    def replace_then_die(src, dst):
        if str(src).endswith(".pending"):
            os.kill(os.getpid(), signal.SIGKILL)
        return real_replace(src, dst)
    if what == "init":
        os.replace = replace_then_die
        setup.init(db, keys, origin="crash.inwriting.local/log")
    else:
        app = App(Store.open(db), Keystore.resolve(keys))
        os.replace = replace_then_die
        registry.new_key(app, "RU")
    """
)


def killed_at_rename(db: str, keys: Path, what: str) -> None:
    done = subprocess.run([sys.executable, "-c", KILL_AT_RENAME, db, str(keys), what], capture_output=True)
    assert done.returncode == -9, done.stderr.decode()
    assert list(keys.rglob("*.pending")), "the kill left no pending key"


def test_a_key_left_pending_by_a_kill_after_its_commit_is_used(db_url: str, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    killed_at_rename(db_url, keys, "init")  # the genesis committed; the operator's and log's keys pending
    app = App(Store.open(db_url), Keystore.resolve(keys))
    try:
        registry.register_party(app, "RU", "Russian Federation")  # signed by the operator
        registry.register_party(app, "US", "United States of America")
        registry.new_process(app, "sg", "Security guarantees")
        registry.new_track(app, "ru-us", "sg", "Geneva", ["RU", "US"])
        assert log_cases.checkpoint(app).size == log_cases.verify(app).size  # signed with the log key
    finally:
        app.close()
    killed_at_rename(db_url, keys, "newkey")  # RU's first key: committed, left pending
    app = App(Store.open(db_url), Keystore.resolve(keys))
    try:
        talks.add_precondition(app, track="ru-us", as_party="RU", text="No expansion.")
        assert not list(keys.rglob("*.pending"))
        assert log_cases.verify(app).size > 0
    finally:
        app.close()
