from io import StringIO

from django.core.management import call_command


def test_models_and_migrations_agree(db):
    """Fails when a model changed without its migration (``makemigrations`` would write one)."""
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=StringIO())
    assert "No changes detected" in out.getvalue()
