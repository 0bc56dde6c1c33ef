# ruff: noqa: S608, S610 - SQL here interpolates module constants only; query text is a parameter.
"""Two full-text backends behind one interface: PostgreSQL (``french`` + ``unaccent``,
GIN index) and SQLite (FTS5 over folded, stemmed tokens).

The index lives in a side table, ``rers_listing_search``, created by migration 0002 for the
database in use. Services keep it current when a listing changes. Searches join it to the
listings so the database ranks and limits in one query.

A search may be told whose listings it covers (``mirrored``): neighbours' listings mirrored
here can outnumber a network's own a hundred to one, and a search of our own listings must
not rank theirs only to throw them away.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import QuerySet

from rers_core.models import Listing
from rers_core.search import text

TABLE = "rers_listing_search"
LISTING_TABLE = Listing._meta.db_table


class SearchBackend:
    vendor = ""
    id_column = "listing_id"

    def index(self, listings: Iterable[Listing], *, replace: bool = True) -> None:
        """Write the index rows of ``listings``; ``replace=False`` when they have none yet."""
        raise NotImplementedError

    def search(
        self, qs: QuerySet[Listing], query: str, mirrored: bool | None = None
    ) -> QuerySet[Listing]:
        """``qs`` restricted to listings matching ``query``, annotated with ``search_rank``
        (higher is better) and ordered by it; with ``mirrored``, to neighbours' listings
        mirrored here (True) or to the network's own (False)."""
        raise NotImplementedError

    def remove(self, listing_ids: Iterable[int]) -> None:
        ids = list(listing_ids)
        with connection.cursor() as cursor:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join(["%s"] * len(chunk))
                cursor.execute(f"DELETE FROM {TABLE} WHERE {self.id_column} IN ({marks})", chunk)

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE}")

    @staticmethod
    def _fields(listing: Listing, table: text.SynonymTable) -> tuple[str, str, str, list[str]]:
        domain = listing.domain.name if listing.domain_id else ""
        terms = text.terms(" ".join([listing.title, domain, listing.description]), table)
        return listing.title, domain, listing.description, terms


class PostgresBackend(SearchBackend):
    """PostgreSQL's ``french`` configuration with ``unaccent`` (as ``rers_french``) ranks
    the words; the shared French pipeline's stems and synonym tokens, stored as ``simple``
    lexemes, add the synonyms and the plurals Snowball keeps.

    Each index row says whether its listing is mirrored from a neighbour; a partial GIN
    index (migration 0014) holds the network's own, so that searching them reads only
    their matches, however many neighbours' listings match too."""

    vendor = "postgresql"
    CONFIG = "rers_french"

    def index(self, listings: Iterable[Listing], *, replace: bool = True) -> None:
        table = text.synonym_table()
        rows = []
        for listing in listings:
            title, domain, description, terms = self._fields(listing, table)
            mirrored = bool(listing.origin_uri)
            rows.append(
                (
                    listing.pk,
                    listing.network_id,
                    mirrored,
                    title,
                    domain,
                    description,
                    " ".join(terms),
                )
            )
        if not rows:
            return
        sql = (
            f"INSERT INTO {TABLE} (listing_id, network_id, mirrored, vector) VALUES "
            f"(%s, %s, %s, setweight(to_tsvector('{self.CONFIG}', %s), 'A')"
            f" || setweight(to_tsvector('{self.CONFIG}', %s), 'B')"
            f" || setweight(to_tsvector('{self.CONFIG}', %s), 'C')"
            " || setweight(to_tsvector('simple', %s), 'B'))"
            " ON CONFLICT (listing_id) DO UPDATE SET vector = EXCLUDED.vector,"
            " network_id = EXCLUDED.network_id, mirrored = EXCLUDED.mirrored"
        )
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)

    def search(
        self, qs: QuerySet[Listing], query: str, mirrored: bool | None = None
    ) -> QuerySet[Listing]:
        words = [w for w in text.WORD_RE.findall(query or "") if text.fold(w) not in text.STOPWORDS]
        terms = text.terms(query)
        if not words and not terms:
            return qs.none()
        tsquery = f"(to_tsquery('{self.CONFIG}', %s) || to_tsquery('simple', %s))"
        params = [" | ".join(words) or "", " | ".join(terms) or ""]
        where = [f"{TABLE}.listing_id = {LISTING_TABLE}.id", f"{TABLE}.vector @@ {tsquery}"]
        if mirrored is not None:
            # Written out, not a parameter: the planner matches it to the partial index.
            where.append(f"{TABLE}.mirrored" if mirrored else f"NOT {TABLE}.mirrored")
        return qs.extra(
            select={"search_rank": f"ts_rank({TABLE}.vector, {tsquery})"},
            select_params=params,
            tables=[TABLE],
            where=where,
            params=params,
        ).order_by("-search_rank", "-id")


class SqliteBackend(SearchBackend):
    vendor = "sqlite"
    id_column = "rowid"
    # bm25 weights of the columns title, domain, description, synonyms.
    WEIGHTS = "4.0, 2.0, 1.0, 3.0"

    def index(self, listings: Iterable[Listing], *, replace: bool = True) -> None:
        table = text.synonym_table()
        rows = []
        for listing in listings:
            title, domain, description, terms = self._fields(listing, table)
            synonyms = [t for t in terms if t.startswith("zsyn")]
            rows.append(
                (
                    listing.pk,
                    " ".join(text.words(title)),
                    " ".join(text.words(domain)),
                    " ".join(text.words(description)),
                    " ".join(synonyms),
                )
            )
        if not rows:
            return
        with transaction.atomic(), connection.cursor() as cursor:
            if replace:
                self.remove(r[0] for r in rows)
            cursor.executemany(
                f"INSERT INTO {TABLE} (rowid, title, domain, description, synonyms)"
                " VALUES (%s, %s, %s, %s, %s)",
                rows,
            )

    def search(
        self, qs: QuerySet[Listing], query: str, mirrored: bool | None = None
    ) -> QuerySet[Listing]:
        terms = text.terms(query)
        if not terms:
            return qs.none()
        match = " OR ".join(f'"{t}"' for t in terms)
        # bm25() is lower-is-better; negate it so every backend ranks higher-is-better.
        # The FTS5 table holds no origin: the listings' own column restricts it.
        if mirrored is not None:
            qs = qs.exclude(origin_uri="") if mirrored else qs.filter(origin_uri="")
        return qs.extra(
            select={"search_rank": f"-bm25({TABLE}, {self.WEIGHTS})"},
            tables=[TABLE],
            where=[f"{TABLE}.rowid = {LISTING_TABLE}.id", f"{TABLE} MATCH %s"],
            params=[match],
        ).order_by("-search_rank", "-id")


_BACKENDS = {b.vendor: b for b in (PostgresBackend(), SqliteBackend())}


def backend() -> SearchBackend:
    try:
        return _BACKENDS[connection.vendor]
    except KeyError as exc:  # pragma: no cover - other databases are not supported
        raise RuntimeError(f"No text search backend for database {connection.vendor!r}") from exc
