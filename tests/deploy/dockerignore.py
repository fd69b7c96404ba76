"""`.dockerignore` semantics (the subset Docker documents): patterns in order, the last match wins,
`!` re-includes, a pattern matching a directory covers everything below it, `**` spans directories."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + "$")


def load(path: Path) -> list[tuple[bool, str]]:
    """(exclude?, pattern) rules of a .dockerignore file."""
    rules = []
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line[1:].strip() if negate else line
        pattern = pattern.strip("/").removeprefix("./")
        rules.append((not negate, pattern))
    return rules


def excluded(rules: list[tuple[bool, str]], relpath: str) -> bool:
    """Is ``relpath`` (relative to the build context, '/'-separated) left out of the context?"""
    parts = relpath.strip("/").split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    result = False
    for exclude, pattern in rules:
        regex = _regex(pattern)
        if any(regex.match(prefix) for prefix in prefixes):
            result = exclude
    return result
