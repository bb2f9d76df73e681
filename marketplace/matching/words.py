"""The words of a capability statement or a posting: simple tokens, stop words, a light stemmer."""
from __future__ import annotations

import re

from marketplace.naics.catalog import stem

_TOKEN = re.compile(r"[a-z][a-z']+")
MIN_LENGTH = 4
# Common English words, and words every vendor and every posting uses ("services", "provide"),
# which would match everything and so explain nothing.
STOP_WORDS = frozenset("""
a about above after again all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has
have having he her here hers him his how i if in into is it its itself just more most my no nor
not now of off on once only or other our ours out over own same she should so some such than
that the their theirs them then there these they this those through to too under until up very
was we were what when where which while who whom why will with would you your yours
company companies business businesses service services provide provides provided providing
provider providers including include includes client clients customer customers quality
experience experienced year years team teams work works working solution solutions offer
offers offering full local small family owned based serving serve serves since high well
new best professional professionals project projects specialize specializing specialized
contract contracts contractor contractors vendor vendors opportunity opportunities proposal
proposals request requests bid bids scope must shall per may within across area areas llc inc
""".split())


def stems(text: str | None) -> dict[str, str]:
    """Each meaningful word's stem mapped to the word as first written (lower case)."""
    found: dict[str, str] = {}
    for token in _TOKEN.findall((text or "").lower()):
        word = token.strip("'")
        if word.endswith("'s"):
            word = word[:-2]
        if len(word) < MIN_LENGTH or word in STOP_WORDS or "'" in word:
            continue
        found.setdefault(stem(word), word)
    return found


def shared(capability: dict[str, str], posting: dict[str, str]) -> list[str]:
    """The posting's words whose stems the capability statement shares, in the posting's order."""
    return [word for key, word in posting.items() if key in capability]
