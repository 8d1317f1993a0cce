"""``QUERY_TOO_COMPLEX``: which limit a document broke, and by how much."""

from __future__ import annotations

from collections.abc import Collection

from graphql import GraphQLError, GraphQLSyntaxError, Lexer, Node, Source, TokenKind

from xietong.kernel.errors import ErrorCode

_TOKEN_LIMIT = "Document contains more than "
_NESTING_LIMIT = "Document is nested too deeply"
PARSER_NESTING_LIMIT = 200
"""graphql-core's parser gives up on documents nested deeper than this."""


def too_complex(
    limit: str,
    actual: int,
    maximum: int,
    *,
    nodes: Collection[Node] | None = None,
    at_least: bool = False,
) -> GraphQLError:
    """The refusal clients see, e.g. ``depth 14 is over the limit of 10 by 4``.

    ``at_least`` says ``actual`` is a lower bound (counting stopped there).
    """
    over = actual - maximum
    measured = f"at least {actual}" if at_least else str(actual)
    return GraphQLError(
        f"query too complex: {limit} {measured} is over the limit of {maximum} "
        f"by {'at least ' if at_least else ''}{over}",
        nodes=list(nodes) if nodes else None,
        extensions={
            "code": ErrorCode.QUERY_TOO_COMPLEX.value,
            "limit": limit,
            "maximum": maximum,
            "actual": actual,
            **({"atLeast": True} if at_least else {}),
        },
    )


def parse_limit_error(error: GraphQLSyntaxError, query: str | None) -> GraphQLError | None:
    """The parser's own refusals (too many tokens, nested too deeply) as
    ``QUERY_TOO_COMPLEX``; ``None`` for an ordinary syntax error."""
    message = error.message.removeprefix("Syntax Error: ")
    if message.startswith(_NESTING_LIMIT):
        return too_complex("nesting", PARSER_NESTING_LIMIT + 1, PARSER_NESTING_LIMIT, at_least=True)
    if not message.startswith(_TOKEN_LIMIT):
        return None
    maximum = int(message.removeprefix(_TOKEN_LIMIT).split(" ", 1)[0])
    counted, complete = count_tokens(query or "", cap=4 * maximum)
    return too_complex("tokens", counted, maximum, at_least=not complete)


def count_tokens(query: str, *, cap: int) -> tuple[int, bool]:
    """Lexical tokens in ``query`` (as the parser counts them, comments included),
    counting no further than ``cap``; ``complete`` is False when the cap stopped it.

    Only called for a refused document, and capped so that a huge one cannot make
    the refusal itself expensive.
    """
    lexer = Lexer(Source(query))
    count = 0
    try:
        while count < cap:
            previous = lexer.token
            token = lexer.advance()
            skipped = previous.next  # comments the lexer stepped over count too
            while skipped is not None and skipped is not token:
                count += 1
                skipped = skipped.next
            if token.kind is TokenKind.EOF:
                return count, True
            count += 1
    except GraphQLError:
        return count, True  # the rest does not lex; what was counted is all there is
    return count, False
