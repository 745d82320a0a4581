"""Presenting reports to people and programs: the last stage before the command line and the web.

- :mod:`.figures`: a clause's figures and thresholds as a person writes them, and what to correct first;
- :mod:`.summary`: a report as one summary row (data), the recommending authorities' quota, the round's order;
- :mod:`.terminal`: what ``read``, ``check``, ``rules`` and ``batch`` print (:mod:`.table_line`: ``check``'s table,
  written by its child);
- :mod:`.workbook`: the workbooks (one report; a batch's summary with the round's sheets);
- :mod:`.letters`: a printable letter to each applicant that does not pass;
- :mod:`.round_html`: the round's documents (汇总表, 建议推荐, 公示名单, 原国家级初核) as printable HTML.

The CLI and the web app build a batch's summary with the same function (:func:`.workbook.write_summary`
fed by :func:`.summary.summary_setup`), so both give the same headers, sheets and order.
"""
