"""Draw the book's favicon (_ext/mlmbook/static/favicon.svg): the logo reduced to what reads at 16 px.

Three clusters, each a short falling line in the logo's colour-blind-safe colours,
stepping up from left to right (the pooled trend), on a white tile with a dark rim.

Run from the repository root: ``python figures/make_favicon.py``.
"""

from pathlib import Path

from make_logo import COLORS


def favicon_svg() -> str:
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">',
        "<title>Multilevel Models with Python</title>",
        '<rect x="1" y="1" width="30" height="30" rx="6" fill="#ffffff" stroke="#333333" stroke-width="2"/>',
    ]
    for k, color in enumerate(COLORS):
        x0, y0 = 5 + 8 * k, 21 - 6 * k
        parts.append(
            f'<line x1="{x0}" y1="{y0 - 3}" x2="{x0 + 6}" y2="{y0 + 3}" stroke="{color}" '
            'stroke-width="4" stroke-linecap="round"/>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    out = Path(__file__).resolve().parents[1] / "_ext" / "mlmbook" / "static" / "favicon.svg"
    out.parent.mkdir(exist_ok=True)
    out.write_text(favicon_svg())
    print(f"wrote {out}")
