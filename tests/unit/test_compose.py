import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_file_describes_the_production_shape(tmp_path):
    spec = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = spec["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["DJANGO_SETTINGS_MODULE"] == "migrator.settings.production"
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["CELERY_BROKER_URL"].startswith("redis://")
    assert "gunicorn" in services["web"]["command"]
    # One unit of scale runs a worker on every queue and one on the interactive queue only.
    assert services["worker"]["command"].startswith("bin/worker")
    script = (ROOT / "bin" / "worker").read_text()
    assert script.count("celery -A migrator worker") == 2 and "-Q interactive" in script
    assert "celery -A migrator beat" in services["beat"]["command"]
    # Where a compose client is installed, it must accept the file too.
    client = shutil.which("docker-compose")
    if client:
        env = {"PATH": "/usr/bin:/bin", "DJANGO_SECRET_KEY": "k", "MIGRATOR_ENCRYPTION_KEY": "f"}
        result = subprocess.run([client, "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
                                capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
