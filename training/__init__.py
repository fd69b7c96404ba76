"""Training and benchmark code for the served models (scikit-learn); the server never imports it.

The served side lives in ``commerce.sizing`` (fit model: numpy trees + artifact loading) and
``commerce.return_risk`` (return risk).  Run from the source checkout: ``shepherd train fit``,
``shepherd train returns``, ``shepherd bench fit``, ``shepherd bench returns``.
"""
