"""Planning what to wear: today, a week, a trip (over core.ranking's rules and exact search).

A layer of its own under core.cli and core.views, so the Today page and `python -m core.cli
today | plan | pack` share one implementation (cli and views may not import each other).
"""
