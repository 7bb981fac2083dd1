"""Execute notebooks top to bottom, optionally with another environment's Python as kernel.

Used by ``tests/book/test_course.py`` to run the instructor notebooks in this environment and the
student notebooks of the course pack in a fresh virtual environment, each in a process of its
own so the two can run side by side.

Usage::

    python -m tests.book.run_notebooks --report out.json [--python /venv/bin/python]
        [--cwd FOLDER] [--offline] NOTEBOOK...

The report lists, per notebook: ``ok``, ``seconds``, ``error`` (the failing cell's error) and
``images`` (how many image outputs the run made). The kernel runs without ``MPLBACKEND``, as
in JupyterLab, so figures are shown inline. ``--offline`` points the kernel's HTTP(S) proxies at a
closed port, so anything that tries to download fails.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

KERNEL_NAME = "course-run"


def _kernelspec(python: str, folder: Path) -> None:
    spec = folder / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "course run",
                "language": "python",
            }
        )
    )


def run(paths: list[Path], python: str | None, cwd: Path | None, offline: bool) -> list[dict]:
    os.environ.pop("MPLBACKEND", None)
    if offline:
        for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
            os.environ[var] = "http://127.0.0.1:9"
        os.environ["NO_PROXY"] = os.environ["no_proxy"] = ""
    kernel = "python3"
    tmp = tempfile.TemporaryDirectory()
    if python:
        _kernelspec(python, Path(tmp.name))
        os.environ["JUPYTER_PATH"] = tmp.name + os.pathsep + os.environ.get("JUPYTER_PATH", "")
        kernel = KERNEL_NAME

    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    report = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        entry = {"notebook": str(path), "ok": True, "error": "", "images": 0}
        client = NotebookClient(
            nb, timeout=300, kernel_name=kernel, resources={"metadata": {"path": str(cwd or path.parent)}}
        )
        try:
            client.execute()
        except CellExecutionError as err:
            entry.update(ok=False, error=str(err)[-3000:])
        except Exception as err:  # kernel died, timeout, ...
            entry.update(ok=False, error=f"{type(err).__name__}: {err}"[-3000:])
        entry["seconds"] = round(time.perf_counter() - start, 1)
        entry["images"] = sum(
            1
            for cell in nb.cells
            if cell.cell_type == "code"
            for out in cell.get("outputs", [])
            if any(k.startswith("image/") for k in out.get("data", {}))
        )
        report.append(entry)
    tmp.cleanup()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--report", type=Path, required=True)
    parser.add_argument("--python", help="Python of the environment to run the kernel in")
    parser.add_argument("--cwd", type=Path, help="working folder of the kernel")
    parser.add_argument("--offline", action="store_true")
    args = parser.parse_args(argv)
    report = run(args.notebooks, args.python, args.cwd, args.offline)
    args.report.write_text(json.dumps(report, indent=1))
    return 0 if all(entry["ok"] for entry in report) else 1


if __name__ == "__main__":
    sys.exit(main())
