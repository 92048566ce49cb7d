"""A background thread that polls something while a measured command runs, as a context manager."""

from __future__ import annotations

import threading
from typing import Self


class Poller:
    """Subclasses implement `_run`, which polls every `interval` seconds until `_stop` is set; leaving the `with`
    block sets it and waits for the thread, so the subclass's last reading is complete."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        raise NotImplementedError
