"""A stateful emulator of the SkinsBack and Skinify APIs for development, demos and tests.

The emulator is a plain WSGI application (`sandbox.app.make_app`) with in-memory state
(`sandbox.app.SandboxState`); it does not use the Django ORM or Django settings. Only
`apps.py` and the `run_sandbox` management command touch Django.
"""
