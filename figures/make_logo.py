"""Draw the book's logo (figures/logo.svg): three clusters of points with their own lines.

Run from the repository root: ``python figures/make_logo.py``.
"""

from pathlib import Path

COLORS = ["#0173b2", "#de8f05", "#029e73"]


def logo_svg() -> str:
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 120" role="img" '
        'aria-label="Multilevel Models with Python logo: three clusters with their own lines">',
        '<rect width="120" height="120" rx="16" fill="#ffffff"/>',
    ]
    for k, color in enumerate(COLORS):
        x0, y0 = 20 + 30 * k, 80 - 22 * k
        for i in range(4):
            parts.append(f'<circle cx="{x0 + 6 * i}" cy="{y0 - 5 + 4 * i}" r="3.5" fill="{color}"/>')
        parts.append(
            f'<line x1="{x0 - 4}" y1="{y0 - 9}" x2="{x0 + 24}" y2="{y0 + 11}" '
            f'stroke="{color}" stroke-width="3" stroke-linecap="round"/>'
        )
    parts.append(
        '<line x1="12" y1="100" x2="108" y2="20" stroke="#333333" stroke-width="3" '
        'stroke-dasharray="6 5" stroke-linecap="round"/>'
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    out = Path(__file__).with_name("logo.svg")
    out.write_text(logo_svg())
    print(f"wrote {out}")
