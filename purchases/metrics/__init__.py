"""`/metrics`: the back-office's numbers in the Prometheus text format, cheap enough to scrape every 15 s.

`collect.py` gathers them (a fixed number of queries, none reading every purchase), `exposition.py`
writes the text format, `views.py` serves it to allowed addresses or a bearer token only.
"""
