"""Charts drawn with pyqtgraph: monthly progress and stacked status bars, with hover,
click-through to the register, and export (PNG at print resolution, PDF, clipboard).

Importing this package imports pyqtgraph: only the chart pane does, when first opened.
"""
