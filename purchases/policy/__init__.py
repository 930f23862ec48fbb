"""Payout controls (DESIGN section 11): the rules every path that creates or sends a purchase passes.

One module per control; each is called by the services (create, buy, approval), never by a page alone,
so a click, a command and a crafted POST meet the same rules.
"""
