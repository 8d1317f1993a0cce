"""Joint work between departments as hub-owned cases (DESIGN §13): rectification
notices, referrals between departments and each department's inbox.

``records`` is the vocabulary, ``rules`` decides who may do what without I/O,
``numbering`` and ``calendar`` are the official number of a notice and the
working-day deadline of a referral, ``store`` holds the SQL and ``service`` runs
the workflow. The hub owns a case; each department's own system stays the source
of its own records. What the schema calls lives in ``xietong.resolvers.cases``.
"""
