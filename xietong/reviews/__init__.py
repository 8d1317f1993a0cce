"""Annual reviews (年度检查) co-signed by an institution's supervisors (DESIGN §9).

``rules`` decides who may do what and what a review's status is, without I/O;
``digest`` and ``signing`` make each signature verifiable offline against the
JWKS; ``store`` holds the SQL; ``service`` runs the workflow; ``verify`` checks a
review, ``document`` is its JSON form for checking it elsewhere. What the schema
calls lives in ``xietong.resolvers.reviews``; ``xietong reviews`` in
``xietong.cli.reviews``.
"""
