"""WeasyPrint renders Chinese with an embedded CJK font on this machine (the contract,
shipping-notice and invoice PDFs of later issues rely on it)."""

import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader


def _cjk_font_installed() -> bool:
    if not shutil.which("fc-list"):
        return False
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    return bool(fonts.strip())


@pytest.mark.rule("R9")
@pytest.mark.skipif(not _cjk_font_installed(), reason="no CJK font: apt-get install fonts-noto-cjk")
def test_weasyprint_embeds_a_cjk_font_and_the_text_survives():
    from weasyprint import HTML

    pdf = HTML(
        string='<html lang="zh-CN"><body style="font-family: \'Noto Sans CJK SC\', sans-serif">'
        "<h1>购销合同 HT-2026-00001</h1><p>上海华东机械有限公司 壹万壹仟叁佰元整</p></body></html>"
    ).write_pdf()

    reader = PdfReader(io.BytesIO(pdf))
    text = reader.pages[0].extract_text()
    fonts = {
        str(font.get_object()["/BaseFont"])
        for font in reader.pages[0]["/Resources"]["/Font"].values()
    }
    assert "HT-2026-00001" in text
    assert "上海华东机械有限公司" in text
    assert any("CJK" in name for name in fonts), fonts
