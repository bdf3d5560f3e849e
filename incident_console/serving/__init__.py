"""``incident-console serve``: the console in browsers, one console process per tab, behind a token."""
