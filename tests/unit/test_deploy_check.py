import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def test_production_settings_pass_the_deploy_checklist():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "migrator.settings.production",
           "DJANGO_SECRET_KEY": "x" * 20 + "-production-secret-key-with-enough-entropy-1234",
           "MIGRATOR_ENCRYPTION_KEY": Fernet.generate_key().decode(), "DJANGO_ALLOWED_HOSTS": "cartmigrate.example.com"}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_secrets():
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SECRET_KEY", "MIGRATOR_ENCRYPTION_KEY")}
    env.update({"DJANGO_SETTINGS_MODULE": "migrator.settings.production", "DJANGO_ALLOWED_HOSTS": "a.example"})
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr
