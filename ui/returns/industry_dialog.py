"""行业对应: file each industry word of a return that is not in the catalog under a catalog
industry, or add it to the catalog — once; later returns read it silently."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

ADD_TO_CATALOG = -1


class IndustryDialog(QDialog):
    """One row per word: a choice of the catalog's industries, or "加入行业目录"."""

    def __init__(self, words: dict[str, int], industries: list[tuple[int, str]],
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("industryDialog")
        self.setWindowTitle("行业对应")
        self.combos: dict[str, QComboBox] = {}
        intro = QLabel(
            "以下行业不在行业目录中。请为每一项指定目录中的行业，或把它加入行业目录。"
            "保存后以后各单位的上报都会自动套用。"
        )
        intro.setWordWrap(True)
        form = QFormLayout()
        for word, guessed in words.items():
            combo = QComboBox()
            combo.setObjectName(f"industry:{word}")
            for industry_id, name in industries:
                combo.addItem(name, industry_id)
            combo.addItem(f"加入行业目录：{word}", ADD_TO_CATALOG)
            combo.setCurrentIndex(max(combo.findData(guessed), 0))
            self.combos[word] = combo
            form.addRow(f"“{word}”：", combo)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(buttons)

    def choose(self, word: str, industry_id: int | None) -> None:
        """Select an industry for a word (None: add the word to the catalog)."""
        combo = self.combos[word]
        combo.setCurrentIndex(
            combo.findData(ADD_TO_CATALOG if industry_id is None else industry_id)
        )

    def choices(self) -> dict[str, int | None]:
        out: dict[str, int | None] = {}
        for word, combo in self.combos.items():
            data = combo.currentData()
            out[word] = None if data == ADD_TO_CATALOG else int(data)
        return out
