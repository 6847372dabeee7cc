"""The web app and JSON API (``tigerblood serve``, DESIGN §3.7).

People who judge accounts work in a browser, and tools want verdicts over HTTP: both read the
same store through one query layer (:mod:`tigerblood.web.queries`), pages render with Jinja2
(escaped, no JavaScript), the audit and mirror pages reuse the reports' renderer, and people's
decisions on verdicts land in the ``reviews`` table for ``learn --reviews``. Nothing imports this
package but the CLI.
"""
