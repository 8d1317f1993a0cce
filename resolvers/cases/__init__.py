"""What the schema calls for joint cases: ``queries`` finds the cases a principal
may see, ``resolvers`` runs the mutations through ``xietong.cases``."""
