"""Charset: declared (HTTP, meta) when the bytes agree, else Korean-first detection."""

from __future__ import annotations

import pytest

from jeongje.web.charset import codec_for, decode, detect

OWN = ("똠방각하 펲시콜라 이야기. 구청은 다음 달부터 마을버스 노선 두 개를 새로 연다. "
       "주민 설명회는 오는 5일 오후 세 시 문화센터에서 열린다.")


def test_cpython_samples_decode_to_their_utf8_twins(shared_data):
    folder = shared_data / "ko-encodings" / "cpython_cjkencodings"
    for name, codec in [("cp949", "cp949"), ("euc_kr", "cp949"), ("johab", "johab"),
                        ("iso2022_kr", "iso2022_kr")]:
        data = (folder / f"{name}.txt").read_bytes()
        twin = (folder / f"{name}-utf8.txt").read_text(encoding="utf-8")
        result = detect(data)
        assert (result.encoding, result.text) == (codec, twin), name


def test_every_chardet_korean_file_is_detected_as_its_family(shared_data):
    expected = {"CP949": "cp949", "EUC-KR": "cp949", "Johab": "johab", "iso-2022-kr": "iso2022_kr"}
    files = [p for p in (shared_data / "ko-encodings" / "chardet_tests").glob("*/*")
             if p.parent.name in expected]
    assert len(files) >= 38
    for path in files:
        result = decode(path.read_bytes(), html=path.suffix in (".html", ".xml"))
        assert result.encoding == expected[path.parent.name], path.name
        assert not result.lossy
        assert sum("\uac00" <= c <= "\ud7a3" for c in result.text) > 20, path.name


def test_declared_charset_is_used_only_when_the_bytes_agree():
    cp949 = OWN.encode("cp949")
    assert decode(cp949, "EUC-KR").how == "http"
    assert decode(cp949, "EUC-KR").text == OWN  # 똠 and 펲 exist only in CP949
    page = b'<html><head><meta charset="ks_c_5601-1987"></head><body>' + cp949 + b"</body></html>"
    assert (decode(page, html=True).how, decode(page, html=True).encoding) == ("meta", "cp949")
    http = b'<meta http-equiv="Content-Type" content="text/html; charset=euc-kr">' + cp949
    assert decode(http, html=True).how == "meta"
    wrong = decode(cp949, "utf-8")  # a wrong header: detection decides, the lie is recorded
    assert (wrong.text, wrong.how, wrong.declared) == (OWN, "detected", "utf-8")
    latin = decode(cp949, "iso-8859-1")  # Korean pages labelled Latin-1: detected, not mojibake
    assert latin.text == OWN and latin.declared == "iso-8859-1"
    assert decode(OWN.encode("utf-8"), "euc-kr").text == OWN  # header says EUC-KR, bytes are UTF-8


@pytest.mark.parametrize("codec", ["cp949", "johab", "iso2022_kr", "utf-8"])
def test_detection_of_our_own_text_in_each_korean_encoding(codec):
    text = OWN.replace("똠방각하 펲시콜라", "새벽시장") if codec == "iso2022_kr" else OWN
    result = detect(text.encode(codec))
    assert (result.encoding, result.text) == (codec, text)


def test_forced_encoding_and_labels():
    assert codec_for("x-windows-949") == codec_for("EUC-KR") == "cp949"
    assert codec_for("no-such-thing") is None
    forced = decode("가나다".encode("cp949"), encoding="utf-8")
    assert forced.lossy and "\ufffd" in forced.text
