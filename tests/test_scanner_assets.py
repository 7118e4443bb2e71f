"""The scanner's ES modules and its service worker: every module the page loads is
kept for offline use, and a changed module brings a new cache (so no device goes on
scanning with an old one)."""

import hashlib
import re
from pathlib import Path

import pytest

from tests.conftest import make_app

STATIC = Path(__file__).resolve().parent.parent / "static"
ENTRY = STATIC / "js" / "scanner.js"
MODULES_FOLDER = STATIC / "js" / "scanner"
IMPORT = re.compile(r"""^\s*import\s+(?:[^"';]+?\s+from\s+)?["']([^"']+)["']""", re.MULTILINE)


@pytest.fixture
def worker():
    """The service worker as the server renders it (no database needed)."""
    response = make_app("sqlite://").test_client().get("/checkin/sw.js")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _listed(worker: str, name: str) -> list[str]:
    """The addresses in the worker's `var NAME = [...]`."""
    block = re.search(rf"var {name} = \[(.*?)\];", worker, re.DOTALL)
    assert block, f"no {name} in the service worker"
    return re.findall(r'"([^"]+)"', block.group(1))


def _imported_from(entry: Path) -> set[Path]:
    """Every file the module `entry` imports, directly or through other modules."""
    seen, todo = set(), [entry]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        for target in IMPORT.findall(module.read_text(encoding="utf-8")):
            assert target.startswith("."), f"{module.name} imports {target}: only files of ours"
            todo.append((module.parent / target).resolve())
    return seen


def _url(path: Path) -> str:
    return "/static/" + path.relative_to(STATIC).as_posix()


def modules_version(urls: list[str]) -> str:
    digest = hashlib.sha256()
    for url in urls:
        digest.update(url.encode() + b"\0" + (STATIC / url.removeprefix("/static/")).read_bytes())
    return digest.hexdigest()[:16]


def test_the_worker_keeps_every_module_the_scanner_page_loads(worker):
    kept = set(_listed(worker, "ASSETS")) | set(_listed(worker, "MODULES"))
    loaded = {_url(path) for path in _imported_from(ENTRY)}
    assert {"/static/js/scanner/verdicts.js", "/static/js/offline.js"} <= loaded
    assert loaded - kept == set(), "add these to the module list in templates/checkin/sw.js"
    in_folder = {_url(path) for path in MODULES_FOLDER.glob("*.js")}
    assert in_folder - loaded == set(), "modules that nothing imports"


def test_a_changed_module_brings_a_new_cache(worker):
    modules = _listed(worker, "MODULES")
    written = re.search(r'var MODULES_VERSION = "(\w+)";', worker).group(1)
    expected = modules_version(modules)
    assert written == expected, (
        f"a scanner module changed: set MODULES_VERSION in templates/checkin/sw.js to "
        f'"{expected}", so that the devices fetch the new modules'
    )
    assert '"scanner-static-" + VERSION + "-" + MODULES_VERSION' in worker
