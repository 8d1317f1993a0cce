"""What the schema calls for annual reviews: ``queries`` finds reviews within the
principal's scope, ``resolvers`` runs the mutations through ``xietong.reviews``."""
