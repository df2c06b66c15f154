"""Search keys for Japanese text: width-folded, case-folded, katakana as hiragana, spaces removed."""

from __future__ import annotations

import unicodedata

_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(ord("ァ"), ord("ヶ") + 1)}


def search_key(text: str) -> str:
    """So that 'ヤマブキ', 'やまぶき', 'ﾔﾏﾌﾞｷ' and 'Yamabuki ' meet the same key."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_KATAKANA_TO_HIRAGANA)
    return "".join(folded.split())
