"""Production settings refuse unsafe values; development settings work with no env vars."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GOOD = {
    "DEBUG": "false",
    "SECRET_KEY": "a-production-secret-key-that-is-long-enough-0123456789",
    "ALLOWED_HOSTS": "rers.example.org",
}
# Variables the settings read, removed so that the machine's environment cannot leak in.
READ = (
    "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL",
    "RERS_DATA_DIR", "DJANGO_SETTINGS_MODULE", "CSRF_TRUSTED_ORIGINS", "TIME_ZONE",
)  # fmt: skip


def import_settings(module: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in READ}
    clean.update(RERS_DATA_DIR=str(tmp_path / "data"), **env)
    code = (
        "import importlib, json; "
        f"s = importlib.import_module({module!r}); "
        "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], "
        "'name': str(s.DATABASES['default']['NAME']), "
        "'eager': s.CELERY_TASK_ALWAYS_EAGER, 'debug': s.DEBUG}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=clean, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip


def test_prod_settings_accept_good_values(tmp_path):
    result = import_settings("deployments.site.settings.prod", tmp_path, **GOOD)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["debug"] is False


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"DEBUG": "true"}, "DEBUG"),
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "dev-only-insecure-key-change-me"}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
    ],
)
def test_prod_settings_refuse_unsafe_values(tmp_path, change, named):
    env = {**GOOD, **change}
    env = {k: v for k, v in env.items() if v != "" or k == "ALLOWED_HOSTS"}
    result = import_settings("deployments.site.settings.prod", tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr


def test_prod_settings_without_any_env_name_every_problem(tmp_path):
    result = import_settings("deployments.site.settings.prod", tmp_path)
    assert result.returncode != 0
    for named in ("SECRET_KEY", "ALLOWED_HOSTS"):
        assert named in result.stderr


def test_dev_settings_need_no_env_vars(tmp_path):
    result = import_settings("deployments.site.settings.dev", tmp_path)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"] == str(tmp_path / "data" / "rers.sqlite3")
    assert values["eager"] is True
    assert values["debug"] is True
    assert (tmp_path / "data").is_dir()


def test_database_and_broker_urls_switch_backends(tmp_path):
    result = import_settings(
        "deployments.site.settings.dev", tmp_path,
        DATABASE_URL="postgres://rers@db.example.org:5432/rers",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["eager"] is False


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    clean = {k: v for k, v in os.environ.items() if k not in READ}
    clean.update(
        GOOD,
        RERS_DATA_DIR=str(tmp_path / "data"),
        DJANGO_SETTINGS_MODULE="deployments.site.settings.prod",
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=REPO, env=clean, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout, done.stdout
