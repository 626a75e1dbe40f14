"""The local keystore: private keys stay on this machine, one file per key, readable by the owner only.

A new key is written to a temporary file (`KEY.pending`, fsynced) first and moved into place only once
its event has committed, so a refused event leaves no orphan key. A process killed between the commit
and the move leaves the key only as `KEY.pending`: a lookup by a key id the log names promotes it then
(a pending key whose event never committed is named by no event, so it is never looked up).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from inwriting.errors import InvalidInput, NotFound
from inwriting.record.keys import SigningKey

ENV_KEYSTORE = "INWRITING_KEYSTORE"
DEFAULT_KEYSTORE = "inwriting-keys"


class Keystore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._loaded: dict[tuple[str, str], SigningKey] = {}

    @classmethod
    def resolve(cls, directory: str | Path | None) -> Keystore:
        value = directory or os.environ.get(ENV_KEYSTORE) or DEFAULT_KEYSTORE
        return cls(Path(value).expanduser().resolve())

    def _path(self, party: str, key_id: str) -> Path:
        return self.root / party / (key_id.replace(":", "-") + ".json")

    def has(self, party: str, key_id: str) -> bool:
        return (party, key_id) in self._loaded or self._present(party, key_id)

    def _present(self, party: str, key_id: str) -> bool:
        """The key's file is in place, or is promoted from a `.pending` left by a killed process."""
        final = self._path(party, key_id)
        if final.exists():
            return True
        pending = final.with_suffix(".pending")
        try:
            data = json.loads(pending.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return False
        if not isinstance(data, dict) or data.get("key_id") != key_id:
            return False
        os.replace(pending, final)
        _sync_dir(final.parent)
        return True

    def load(self, party: str, key_id: str) -> SigningKey:
        cached = self._loaded.get((party, key_id))
        if cached is not None:
            return cached
        path = self._path(party, key_id)
        self._present(party, key_id)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            key = SigningKey(bytes.fromhex(data["seed"]))
        except FileNotFoundError:
            raise NotFound(f"no private key {key_id} of {party} in the keystore {self.root}") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidInput(f"the keystore file {path} is damaged: {exc}") from exc
        if key.key_id != key_id:
            raise InvalidInput(f"the keystore file {path} holds key {key.key_id}, not {key_id}")
        self._loaded[(party, key_id)] = key
        return key

    @contextmanager
    def staged(self, party: str, key: SigningKey, **extra: str) -> Iterator[Path]:
        """Write `key` to a temporary file; keep it only if the block completes without error."""
        final = self._path(party, key.key_id)
        created_dir = not final.parent.exists()
        final.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temp = final.with_suffix(".pending")
        payload = {"party": party, "key_id": key.key_id, "seed": key.seed.hex(), **extra}
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            yield final
        except BaseException:
            temp.unlink(missing_ok=True)
            if created_dir and not any(final.parent.iterdir()):
                final.parent.rmdir()
            raise
        os.replace(temp, final)
        _sync_dir(final.parent)  # the rename itself survives a power loss


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
