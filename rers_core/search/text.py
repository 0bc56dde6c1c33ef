"""French text normalisation shared by every search backend.

A word becomes its stem with accents folded, so “hôpital” and “hopital”, “cuisine” and
“cuisiner”, “tableaux” and “tableau” meet. Phrases of one synonym group all add the
group's token (``zsyn<id>``), so “CV” finds “curriculum vitae” on every backend.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)

# Folded French words that carry no topic: articles, pronouns, prepositions and the verbs
# people use to ask ("je cherche quelqu'un pour m'aider à...").
STOPWORDS = frozenset(
    """
    a ai as au aux avec c ca ce ceci cela ces cet cette chez d dans de des du elle elles en
    est et etre eu il ils j je l la le les leur leurs lui m ma mais me mes moi mon n ne nos
    notre nous o on ou par pas pour qu que quel quelle quelles quels qui quoi s sa sans se
    ses si son sont sur t ta te tes toi ton tu un une vos votre vous y
    ai avoir suis es sommes etes fait faire peux peut veux veut voudrais voudrait souhaite
    souhaiterais aimerais cherche recherche besoin aide aider apprendre savoir connaitre
    quelqu quelquun quelque chose comment bien tres plus mieux mon prendre refaire servir
    utiliser beau beaux belle belles vraiment pouvoir vouloir sais
    """.split()
)

_local = threading.local()


def _stemmer():
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("french")
    return stemmer


def fold(text: str) -> str:
    """Lower-case and strip accents: “Hôpital” → “hopital”."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """One folded stem per word; stemming before folding keeps the stemmer's accent rules,
    and folded input (typed without accents) mostly lands on the same stem."""
    stemmed = fold(_stemmer().stemWord(word.lower()))
    # Snowball keeps some plurals (“photos”, “tableaux” → “tableau” but “photos” stays).
    if len(stemmed) > 3 and stemmed[-1] in "sx":
        stemmed = stemmed[:-1]
    return stemmed


def words(text: str) -> list[str]:
    """Stems of the meaningful words of ``text``, in order."""
    out = []
    for raw in WORD_RE.findall(text or ""):
        folded = fold(raw)
        if folded in STOPWORDS or (len(folded) < 2 and not folded.isdigit()):
            continue
        out.append(stem(raw))
    return out


@dataclass(frozen=True)
class SynonymTable:
    """Phrases (as stem tuples) mapped to their group's token."""

    phrases: dict[tuple[str, ...], str]
    longest: int

    @classmethod
    def build(cls, groups: list[tuple[int, list[str]]]) -> SynonymTable:
        phrases: dict[tuple[str, ...], str] = {}
        for group_id, terms in groups:
            for term in terms:
                key = tuple(words(term))
                if key:
                    phrases[key] = f"zsyn{group_id}"
        return cls(phrases, max((len(k) for k in phrases), default=0))

    def tokens_in(self, stems: list[str]) -> list[str]:
        return self._scan(stems)[0]

    def _scan(self, stems: list[str]) -> tuple[list[str], set[int]]:
        found: list[str] = []
        covered: set[int] = set()
        for start in range(len(stems)):
            for size in range(1, min(self.longest, len(stems) - start) + 1):
                token = self.phrases.get(tuple(stems[start : start + size]))
                if token:
                    covered.update(range(start, start + size))
                    if token not in found:
                        found.append(token)
        return found, covered

    def concepts(self, stems: list[str]) -> list[str]:
        """Synonym tokens, plus the stems no synonym phrase covers: “téléphone portable”
        becomes one concept rather than two loose words."""
        found, covered = self._scan(stems)
        loose = [s for i, s in enumerate(stems) if i not in covered]
        return list(dict.fromkeys(found + loose))


EMPTY_TABLE = SynonymTable({}, 0)


# Other processes (workers) notice an edit within this many seconds.
SYNONYM_CACHE_SECONDS = 60.0
_cache: dict[str, tuple[float, SynonymTable]] = {}


def synonym_table() -> SynonymTable:
    """The instance's synonym table, cached per process for a minute."""
    cached = _cache.get("table")
    if cached is not None and time.monotonic() - cached[0] < SYNONYM_CACHE_SECONDS:
        return cached[1]
    from rers_core.models import SynonymGroup

    table = SynonymTable.build([(g.pk, g.term_list) for g in SynonymGroup.objects.all()])
    _cache["table"] = (time.monotonic(), table)
    return table


def forget_synonyms() -> None:
    _cache.clear()


def terms(text: str, table: SynonymTable | None = None) -> list[str]:
    """Distinct search terms of ``text``: stems, then synonym tokens."""
    stems = words(text)
    table = synonym_table() if table is None else table
    seen: dict[str, None] = dict.fromkeys(stems)
    for token in table.tokens_in(stems):
        seen[token] = None
    return list(seen)
