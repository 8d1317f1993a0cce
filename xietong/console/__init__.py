"""The officers' console (DESIGN §14): server-rendered pages in Simplified Chinese at
``/console``, an OpenID Connect client of the hub's own provider and a GraphQL
client of ``/graphql``: every act goes through the same policy, masks, purpose
rule, row scope and access log as any other client's, under the officer's name."""
