"""Access-log events as hypothesis draws them (every shape a request can leave), one
ordinary event, and the hypothesis settings for a chain that only grows."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from xietong.audit.events import AuditDraft, AuditOutcome

GROWING_CHAIN = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    # No shrinking: the chain only grows, so every shrinking step re-reads a longer
    # one, for minutes; the failing example is reported as found.
    phases=[Phase.explicit, Phase.generate],
)
READ = AuditDraft(
    client_id="demo-auditor",
    subject="审计员-7",
    roles=["auditor"],
    purpose="inspection",
    operation_type="query",
    operation_name="Institution",
    variables={"first": 50, "code": "91410202MA0000004X", "filter": {"region": "410200"}},
    fields_read=["Institution.name", "Query.institution"],
    record_keys=["91410202MA0000004X"],
    outcome=AuditOutcome.OK,
)
"""An auditor's read of one institution, non-ASCII and nested variables included."""

# Quotes, backslashes, the ", " SQLAlchemy puts between list items, control
# characters, non-ASCII: everything the fast paths must leave to the slow one.
TRICKY = st.sampled_from(['", "', "a\\b", '"', "\t\n", "\x1f", "\x7f", "张*", "é", "", " "])
TEXT = st.one_of(
    TRICKY,
    st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=12),
)
JSON_VALUE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
DRAFTS = st.builds(
    AuditDraft,
    client_id=st.none() | TEXT,
    subject=st.none() | TEXT,
    department=st.none() | st.sampled_from(["EDUCATION", "AUDIT"]),
    roles=st.lists(TEXT, max_size=3),
    region=st.none() | st.sampled_from(["410200", "000000"]),
    purpose=st.none() | TEXT,
    case_id=st.none() | TEXT,
    operation_type=st.none() | st.sampled_from(["query", "mutation"]),
    operation_name=st.none() | TEXT,
    document_hash=st.none() | st.sampled_from(["0" * 64, "f" * 64]),
    variables=st.dictionaries(TEXT, JSON_VALUE, max_size=4),
    fields_read=st.lists(TEXT, max_size=4),
    fields_masked=st.lists(TEXT, max_size=2),
    fields_denied=st.lists(TEXT, max_size=2),
    record_keys=st.lists(TEXT, max_size=3),
    error_codes=st.lists(TEXT, max_size=2),
    outcome=st.sampled_from(list(AuditOutcome)),
)
