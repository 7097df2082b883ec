"""The PDF side of the bulletin and the brief: fpdf2 with a CJK font registered explicitly.

Why fpdf2 (bulletin_brief_forecast.md asks for the choice and its reason):

- It embeds an OpenType font with CFF outlines, from a TrueType collection, as a subset
  (fontTools does the subsetting): Debian's fonts-noto-cjk (`NotoSansCJK-Regular.ttc`, the
  font the browser tests already install) works as it is, and a two-page brief carries some
  100 KB of glyphs instead of the whole 20 MB font. ReportLab embeds TrueType outlines only
  and refuses CFF ones, so it would need a second CJK font in TrueType form; its built-in
  CID fonts (STSong-Light) are *not* embedded and show as boxes where the reader lacks them.
- Chromium's print-to-PDF would make the product depend on a browser at run time (the
  project installs one for tests only) and start a process of some 200 MB per document.
- It is pure Python, in the lock file, and needs no network.

The font: CHAINKPI_CJK_FONT (a path, optionally `path#index` for a collection) or the first
of FONT_CANDIDATES that exists; in a collection the Simplified Chinese face (`… SC`) is
chosen by its name. None found: a UserError in Chinese that says what to install.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import TableCellFillMode, XPos, YPos
from fpdf.fonts import FontFace

from chainkpi.errors import UserError

FONT_ENV = "CHAINKPI_CJK_FONT"
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # Debian / Ubuntu fonts-noto-cjk
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # Arch, Fedora's google-noto-cjk
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",  # macOS
)
FAMILY = "cjk"

HEADER_FILL = (31, 78, 120)  # the export's header blue, #1F4E78
STRIPE_FILL = (242, 242, 242)
RED = (156, 0, 6)
GREEN = (0, 97, 0)
GREY = (90, 90, 90)


def font_missing_message() -> str:
    return (
        "未找到中文字体，无法生成 PDF。请安装 Noto CJK 字体（Debian/Ubuntu：以 root 运行 "
        "scripts/install_browser.sh，或 apt-get install fonts-noto-cjk），或用环境变量 "
        f"{FONT_ENV} 指定一个中文字体文件（.ttf/.otf/.ttc）。"
        f" (no CJK font found: install fonts-noto-cjk or set {FONT_ENV})"
    )


@functools.cache
def _collection_index(path: str) -> int:
    """The Simplified Chinese face of a collection (`Noto Sans CJK SC`), else the first."""
    if not path.lower().endswith((".ttc", ".otc")):
        return 0
    from fontTools.ttLib import TTCollection

    collection = TTCollection(path, lazy=True)
    try:
        for index, font in enumerate(collection.fonts):
            family = font["name"].getDebugName(1) or ""
            if family.endswith(" SC") or "SC" in family.split():
                return index
    finally:
        collection.close()
    return 0


def find_font() -> tuple[Path, int]:
    """(font file, face index in a collection): CHAINKPI_CJK_FONT or the first candidate."""
    configured = os.environ.get(FONT_ENV, "").strip()
    if configured:
        name, _, index = configured.partition("#")
        path = Path(name).expanduser()
        if not path.is_file():
            raise UserError(f"{FONT_ENV} 指定的字体文件不存在：{path}。" + font_missing_message())
        return path, int(index) if index.isdigit() else _collection_index(str(path))
    for candidate in FONT_CANDIDATES:
        path = Path(candidate)
        if path.is_file():
            return path, _collection_index(candidate)
    raise UserError(font_missing_message())


class Document(FPDF):
    """A4 with the CJK font, a running title and `第 n 页 / 共 m 页` at the foot."""

    def __init__(self, title: str, orientation: str = "portrait", footer_note: str = ""):
        super().__init__(orientation=orientation, unit="mm", format="A4")
        path, index = find_font()
        try:
            self.add_font(FAMILY, fname=str(path), collection_font_number=index)
        except Exception as exc:  # a file that is no usable font
            raise UserError(
                f"字体文件无法使用：{path}（{exc}）。" + font_missing_message()
            ) from None
        self.running_title = title
        self.footer_note = footer_note
        self.set_title(title)
        self.set_creator("chainkpi")
        self.set_lang("zh-CN")
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(True, margin=14)
        self.set_font(FAMILY, size=10)

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FAMILY, size=8)
        self.set_text_color(*GREY)
        self.cell(0, 5, self.footer_note, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"第 {self.page_no()} 页 / 共 {{nb}} 页", align="R")
        self.set_text_color(0, 0, 0)

    # --- building blocks --------------------------------------------------------------------

    def title_block(self, title: str, subtitle: str) -> None:
        self.set_font(FAMILY, size=18)
        self.cell(0, 10, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FAMILY, size=9)
        self.set_text_color(*GREY)
        self.multi_cell(0, 5, subtitle, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.ln(2)

    def heading(self, text: str) -> None:
        self.ln(1.5)
        self.set_font(FAMILY, size=12)
        self.set_text_color(*HEADER_FILL)
        self.cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.set_font(FAMILY, size=9)

    def paragraph(self, text: str, size: float = 9, colour: tuple[int, int, int] = (0, 0, 0)):
        self.set_font(FAMILY, size=size)
        self.set_text_color(*colour)
        self.multi_cell(0, size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)

    def grid(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        aligns: Sequence[str] | None = None,
        colours: Sequence[tuple[int, int, int] | None] | None = None,
        size: float = 8.5,
    ) -> None:
        """A table with a blue header row repeated on a new page, striped rows; `colours`
        gives one row's text colour (None: black)."""
        self.set_font(FAMILY, size=size)
        aligns = aligns or ["L"] * len(headers)
        with self.table(
            col_widths=tuple(widths),
            width=sum(widths),
            align="LEFT",
            text_align=tuple(aligns),
            line_height=size * 0.55,
            headings_style=FontFace(color=(255, 255, 255), fill_color=HEADER_FILL),
            cell_fill_color=STRIPE_FILL,
            cell_fill_mode=TableCellFillMode.ROWS,
            borders_layout="HORIZONTAL_LINES",
            padding=(0.8, 1.2),
            first_row_as_headings=True,
            repeat_headings=1,
        ) as table:
            header = table.row()
            for text in headers:
                header.cell(text, align="C")
            for index, values in enumerate(rows):
                colour = colours[index] if colours else None
                style = FontFace(color=colour) if colour else None
                row = table.row()
                for text in values:
                    row.cell(text, style=style)
        self.ln(1)
