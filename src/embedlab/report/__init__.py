"""Reports: self-contained HTML pages (inline CSS, base64 PNG figures) that compute nothing.

* :mod:`._html`: shared building blocks (page, section, table, figure) used by every report.
* :mod:`.plots`: matplotlib (Agg) figures from numbers computed elsewhere.
* :mod:`.compare_report`: ``embedlab compare`` (HTML + JSON + Markdown).
* :mod:`.card`: ``embedlab report`` model card.
* :mod:`.tuning_report`: ``embedlab tune-report``.
"""
