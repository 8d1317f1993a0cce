"""Annual reviews (年度检查) co-signed by an institution's supervisors (DESIGN §9).

``rules`` decides who may do what and what a review's status is, without I/O;
``digest`` and ``signing`` make each signature verifiable offline against the
JWKS; ``store`` holds the SQL; ``service`` runs the workflow; ``queries`` finds
reviews within a principal's region; ``resolvers`` is what the schema calls;
``verify`` checks a review, ``document`` is its JSON form for checking it
elsewhere; ``cli`` is ``xietong reviews``.
"""
