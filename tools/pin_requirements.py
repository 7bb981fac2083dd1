"""Re-pin requirements.txt from the current environment (a maintainer's tool).

The "Direct requirements" block names what the project uses; this script
rewrites every pin in it, and the block of everything they pull in, from
``pip freeze`` of the running interpreter. Usage, after installing or
upgrading a package in .venv: ``.venv/bin/python -m tools.pin_requirements``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = "# Direct requirements, pinned."
LOCAL = "# The helpers package of this repository (editable).\n-e ."
TRANSITIVE = "# Everything they pull in, pinned too, so every install is the same."


def _key(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def main() -> int:
    path = ROOT / "requirements.txt"
    lines = path.read_text().splitlines()
    start = lines.index(HEADER) + 1
    end = next(i for i in range(start, len(lines)) if not lines[i].strip())
    direct = [_key(ln.split("==")[0]) for ln in lines[start:end] if ln.strip()]
    frozen = subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
                            capture_output=True, text=True, check=True).stdout.splitlines()
    pins = {_key(ln.split("==")[0]): ln.strip() for ln in frozen if "==" in ln}
    missing = [d for d in direct if d not in pins]
    if missing:
        print(f"not installed: {', '.join(missing)}", file=sys.stderr)
        return 1
    first = sorted((pins[d] for d in direct), key=str.lower)
    rest = sorted((v for k, v in pins.items() if k not in direct and k != "mlm-helpers"), key=str.lower)
    path.write_text("\n".join([HEADER, *first, "", LOCAL, "", TRANSITIVE, *rest]) + "\n")
    print(f"pinned {len(first)} direct and {len(rest)} other requirements")
    return 0


if __name__ == "__main__":
    sys.exit(main())
