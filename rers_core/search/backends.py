# ruff: noqa: S608, S611 - SQL here interpolates module constants only; query text is a parameter.
"""Two full-text backends behind one interface: PostgreSQL (``french`` + ``unaccent``,
GIN index) and SQLite (FTS5 over folded, stemmed tokens).

The index lives in a side table, ``rers_listing_search``, created by migration 0002 for the
database in use. Services keep it current when a listing changes.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import FloatField, QuerySet
from django.db.models.expressions import RawSQL

from rers_core.models import Listing
from rers_core.search import text

TABLE = "rers_listing_search"


class SearchBackend:
    vendor = ""

    def index(self, listings: Iterable[Listing]) -> None:
        raise NotImplementedError

    def remove(self, listing_ids: Iterable[int]) -> None:
        ids = list(listing_ids)
        if not ids:
            return
        with connection.cursor() as cursor:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join(["%s"] * len(chunk))
                cursor.execute(f"DELETE FROM {TABLE} WHERE {self.id_column} IN ({marks})", chunk)

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE}")

    def search(self, qs: QuerySet[Listing], query: str) -> QuerySet[Listing]:
        """``qs`` restricted to listings matching ``query``, annotated with ``search_rank``
        (higher is better) and ordered by it."""
        raise NotImplementedError

    id_column = "listing_id"

    @staticmethod
    def _documents(listing: Listing, table: text.SynonymTable) -> dict[str, str]:
        domain = listing.domain.name if listing.domain_id else ""
        synonyms = table.tokens_in(
            text.words(" ".join([listing.title, domain, listing.description]))
        )
        return {
            "title": listing.title,
            "domain": domain,
            "description": listing.description,
            "synonyms": " ".join(synonyms),
        }


class PostgresBackend(SearchBackend):
    vendor = "postgresql"
    CONFIG = "rers_french"

    def index(self, listings: Iterable[Listing]) -> None:
        table = text.synonym_table()
        rows = []
        for listing in listings:
            doc = self._documents(listing, table)
            rows.append(
                (
                    listing.pk,
                    listing.network_id,
                    doc["title"],
                    doc["domain"],
                    doc["description"],
                    doc["synonyms"],
                )
            )
        if not rows:
            return
        sql = (
            f"INSERT INTO {TABLE} (listing_id, network_id, vector) VALUES "
            f"(%s, %s, setweight(to_tsvector('{self.CONFIG}', %s), 'A')"
            f" || setweight(to_tsvector('{self.CONFIG}', %s), 'B')"
            f" || setweight(to_tsvector('{self.CONFIG}', %s), 'C')"
            f" || setweight(to_tsvector('simple', %s), 'A'))"
            " ON CONFLICT (listing_id) DO UPDATE SET vector = EXCLUDED.vector,"
            " network_id = EXCLUDED.network_id"
        )
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)

    def _tsquery(self, query: str) -> tuple[str, list[str]] | None:
        raw = [w for w in text.WORD_RE.findall(query or "") if text.fold(w) not in text.STOPWORDS]
        synonyms = text.synonym_table().tokens_in(text.words(query))
        if not raw and not synonyms:
            return None
        parts, params = [], []
        if raw:
            parts.append(f"to_tsquery('{self.CONFIG}', %s)")
            params.append(" | ".join(raw))
        if synonyms:
            parts.append("to_tsquery('simple', %s)")
            params.append(" | ".join(synonyms))
        return " || ".join(parts), params

    def search(self, qs: QuerySet[Listing], query: str) -> QuerySet[Listing]:
        built = self._tsquery(query)
        if built is None:
            return qs.none()
        tsquery, params = built
        matching = RawSQL(
            f"SELECT listing_id FROM {TABLE} WHERE vector @@ ({tsquery})",
            params,
        )
        rank = RawSQL(
            f"SELECT ts_rank(vector, ({tsquery})) FROM {TABLE} "
            f"WHERE listing_id = {Listing._meta.db_table}.id",
            params,
            output_field=FloatField(),
        )
        return qs.filter(pk__in=matching).annotate(search_rank=rank).order_by("-search_rank", "-id")


class SqliteBackend(SearchBackend):
    vendor = "sqlite"
    id_column = "rowid"
    # bm25 weights of the columns title, domain, description, synonyms.
    WEIGHTS = (4.0, 2.0, 1.0, 4.0)

    def index(self, listings: Iterable[Listing]) -> None:
        table = text.synonym_table()
        rows = []
        for listing in listings:
            doc = self._documents(listing, table)
            rows.append(
                (
                    listing.pk,
                    " ".join(text.words(doc["title"])),
                    " ".join(text.words(doc["domain"])),
                    " ".join(text.words(doc["description"])),
                    doc["synonyms"],
                )
            )
        if not rows:
            return
        with connection.cursor() as cursor:
            cursor.executemany(
                f"DELETE FROM {TABLE} WHERE rowid = %s",
                [(r[0],) for r in rows],
            )
            cursor.executemany(
                f"INSERT INTO {TABLE} (rowid, title, domain, description, synonyms)"
                " VALUES (%s, %s, %s, %s, %s)",
                rows,
            )

    def _match(self, query: str) -> str | None:
        tokens = text.terms(query)
        return " OR ".join(f'"{t}"' for t in tokens) if tokens else None

    def search(self, qs: QuerySet[Listing], query: str) -> QuerySet[Listing]:
        match = self._match(query)
        if match is None:
            return qs.none()
        weights = ", ".join(str(w) for w in self.WEIGHTS)
        matching = RawSQL(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s", [match])
        # bm25() is lower-is-better; negate it so every backend ranks higher-is-better.
        rank = RawSQL(
            f"SELECT -bm25({TABLE}, {weights}) FROM {TABLE} "
            f"WHERE {TABLE} MATCH %s AND rowid = {Listing._meta.db_table}.id",
            [match],
            output_field=FloatField(),
        )
        return qs.filter(pk__in=matching).annotate(search_rank=rank).order_by("-search_rank", "-id")


_BACKENDS = {b.vendor: b for b in (PostgresBackend(), SqliteBackend())}


def backend() -> SearchBackend:
    try:
        return _BACKENDS[connection.vendor]
    except KeyError as exc:  # pragma: no cover - other databases are not supported
        raise RuntimeError(f"No text search backend for database {connection.vendor!r}") from exc
