"""Finding external engines (gnugo, stockfish, pachi, ...) and splitting their command lines.

Debian installs game engines in ``/usr/games``, which is often not on ``PATH``
(it is not for non-login shells or CI containers), so every lookup tries
``PATH`` first and then ``/usr/games``.

>>> split_command("python3 -c 'print(1)'")[1:]
['-c', 'print(1)']
"""

from __future__ import annotations

import os
import shlex
import shutil

GAMES_DIR = "/usr/games"
"""Where Debian's gnugo and stockfish packages put their programs."""


def find_engine(name: str) -> str | None:
    """The full path of program ``name`` (on PATH, else in /usr/games), or None if absent.

    A name with a slash is a path: returned if it is an executable file.
    """
    if not name:
        return None
    if os.sep in name:
        return name if os.path.isfile(name) and os.access(name, os.X_OK) else None
    found = shutil.which(name)
    if found:
        return found
    candidate = os.path.join(GAMES_DIR, name)
    if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
        return candidate
    return None


def split_command(cmd: str) -> list[str]:
    """``cmd`` split like a shell would (no shell runs), its program resolved by find_engine.

    Raises FileNotFoundError naming the program and where it was looked for,
    and ValueError for an empty command or unbalanced quotes.
    """
    try:
        argv = shlex.split(cmd)
    except ValueError as err:
        raise ValueError(f"cannot split engine command {cmd!r}: {err}") from None
    if not argv:
        raise ValueError("empty engine command")
    path = find_engine(argv[0])
    if path is None:
        raise FileNotFoundError(f"engine program {argv[0]!r} (from command {cmd!r}) not found "
                                f"on PATH or in {GAMES_DIR}")
    return [path, *argv[1:]]
