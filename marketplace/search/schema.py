"""The Whoosh schemas and the one analyzer every text field shares (whoosh is imported only here and in index.py).

Design choices, on purpose:
- One analyzer for every text field, at index and at query time: words of letters and digits,
  lowercased, English stop words dropped (positions renumbered, so "repair of roofs" is the
  phrase "repair roofs"), Porter-stemmed through a large cache. It is a single pass instead of
  Whoosh's chain of generator filters, which roughly halves analysis time when indexing.
- Boosts are applied at index time (`field_boost`): a word in a title or business name weighs
  3x, in NAICS titles 1.5x, in descriptions and capability statements 1x.
- Positions only where phrases are searched (titles, descriptions, names, statements);
  NAICS titles, codes and filters carry no positions. Nothing is stored but the id and a
  short signature of the document (for `flask search check`): rows come from the database.
- Values only sorted or ranged (closing time, name) are columns, not terms: no postings.
- NAICS codes are indexed with every prefix (56, 561, 5617, 56172, 561720), so a code or
  prefix filter is one cached term lookup, never a wildcard expansion.
- Spelling: the unstemmed words of titles and names go to a spelling field (one posting per
  word, not per document); with the NAICS catalog's own words they are what "did you mean"
  draws on (NAICS titles are not spelled into every document: the catalog already has them).
"""
from __future__ import annotations

import re
from functools import lru_cache

from whoosh import columns, fields
from whoosh.analysis import Analyzer, Token
from whoosh.lang.porter import stem as porter_stem

WORD = re.compile(r"[^\W_]+")
STOP_WORDS = frozenset(
    "a an and are as at be but by for from if in into is it no not of on or such that the their then "
    "there these they this to was will with".split()
)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Porter stem of a lowercased word (cached: vocabularies are small, documents many)."""
    return porter_stem(word)


class WordAnalyzer(Analyzer):
    """Lowercased words without stop words, stemmed unless `stemming` is off."""

    def __init__(self, stemming: bool = True):
        self.stemming = stemming

    def has_morph(self) -> bool:
        return self.stemming

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", no_morph=False, **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode)
        do_stem = self.stemming and not no_morph
        pos = start_pos
        for match in WORD.finditer(value):
            word = match.group().lower()
            if word in STOP_WORDS:
                if removestops:
                    continue
                token.stopped = True
            else:
                token.stopped = False
            token.text = stem(word) if do_stem else word
            token.boost = 1.0
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = pos
                pos += 1
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token


WORDS = WordAnalyzer()
PLAIN_WORDS = WordAnalyzer(stemming=False)


def analyze(text: str) -> list[str]:
    """The indexed terms of `text`, in order (what a query word must equal)."""
    return [t.text for t in WORDS(text)]


def plain_words(text: str) -> list[str]:
    """The unstemmed, lowercased words of `text` without stop words."""
    return [t.text for t in PLAIN_WORDS(text)]


def _text(boost: float = 1.0, phrase: bool = True, spelling: bool = False) -> fields.TEXT:
    return fields.TEXT(analyzer=WORDS, phrase=phrase, field_boost=boost, spelling=spelling)


def _tags() -> fields.KEYWORD:
    return fields.KEYWORD(lowercase=False, commas=False, scorable=False)


def opportunity_schema() -> fields.Schema:
    """Published opportunities: open, closed and awarded (never drafts, cancelled, or bids)."""
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        sig=fields.STORED(),
        title=_text(3.0, spelling=True),
        description=_text(),
        naics_text=_text(1.5, phrase=False),
        reference=_text(2.0),
        naics=_tags(),
        institution=fields.ID(),
        set_aside=fields.ID(),
        type=fields.ID(),
        phase=fields.ID(),
        closes_at=fields.COLUMN(columns.NumericColumn("Q")),  # sorted and ranged by column, never searched
    )


def vendor_schema() -> fields.Schema:
    """Vendor businesses: names, capability statement, NAICS, verified certifications, place."""
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        sig=fields.STORED(),
        name=_text(3.0, spelling=True),
        capability=_text(),
        naics_text=_text(1.5, phrase=False),
        naics=_tags(),
        certs=_tags(),
        county=fields.ID(),
        zip=fields.ID(),
        sort_name=fields.COLUMN(columns.VarBytesColumn()),
    )


# For each kind of document: the fields a keyword is looked for in (in boost order), the ones
# with positions (phrases), and the filter fields that are faceted.
TEXT_FIELDS = {
    "opportunity": ("title", "reference", "naics_text", "description"),
    "vendor": ("name", "naics_text", "capability"),
}
PHRASE_FIELDS = {"opportunity": ("title", "description"), "vendor": ("name", "capability")}
SPELL_FIELDS = {"opportunity": ("title",), "vendor": ("name",)}  # plus the NAICS catalog's words
HIGHLIGHT_FIELDS = {"opportunity": ("title", "description"), "vendor": ("name", "capability")}
SCHEMAS = {"opportunity": opportunity_schema, "vendor": vendor_schema}
