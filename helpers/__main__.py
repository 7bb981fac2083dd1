"""``python -m helpers [DIR]``: regenerate the course data (what ``make data`` runs).

Without ``DIR`` the files go to ``data/`` of the repository; with it, to ``DIR``
(the tests regenerate into a temporary folder and compare byte for byte).
"""

import sys
from pathlib import Path

from .simulate import DATA_DIR, write_course_data

target = Path(sys.argv[1]) if len(sys.argv) > 1 else DATA_DIR
for fname, digest in write_course_data(target).items():
    print(f"wrote {target / fname}  sha256 {digest[:16]}")
