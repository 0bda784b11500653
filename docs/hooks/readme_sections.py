"""MkDocs hook: a page line `<!-- readme: Heading -->` becomes that section of README.md
(from its `## Heading` line to the next heading of the same or a higher level, the heading
line left out), so the site shows the README's own text and the two cannot drift.

A heading that README.md does not have is an error: the build fails, it does not
silently render an empty section.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parents[2] / "README.md"
MARKER = re.compile(r"^<!-- readme: (?P<heading>.+?) -->$", re.MULTILINE)
HEADING = re.compile(r"^(?P<hashes>#+) (?P<title>.+?)\s*$")


def readme_section(text: str, heading: str) -> str:
    """The body of the README section titled `heading` (its subsections included)."""
    lines = text.splitlines()
    in_fence = False
    start: int | None = None
    level = 0
    for i, line in enumerate(lines):
        if line.startswith("```"):
            in_fence = not in_fence
            continue
        match = None if in_fence else HEADING.match(line)
        if match is None:
            continue
        if start is None:
            if match["title"] == heading:
                start, level = i + 1, len(match["hashes"])
        elif len(match["hashes"]) <= level:
            return "\n".join(lines[start:i]).strip("\n") + "\n"
    if start is None:
        raise ValueError(f"README.md has no section {heading!r}")
    return "\n".join(lines[start:]).strip("\n") + "\n"


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """MkDocs' hook: replace each marker by its README section."""
    if MARKER.search(markdown) is None:
        return markdown
    text = README.read_text(encoding="utf-8")
    return MARKER.sub(lambda m: readme_section(text, m["heading"]), markdown)
