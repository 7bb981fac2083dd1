"""``python -m helpers``: regenerate the course data in ``data/`` (what ``make data`` runs)."""

from .simulate import DATA_DIR, write_course_data

for fname, digest in write_course_data().items():
    print(f"wrote {DATA_DIR / fname}  sha256 {digest[:16]}")
