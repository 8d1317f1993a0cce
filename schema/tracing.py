"""One span per GraphQL operation, under the request's span (``xietong.web.tracing``):
the department source calls it makes are its children (``adapters.sources.guard``).

Named as OpenTelemetry's GraphQL conventions say (``query InstitutionPage``), with
the operation's type, name and document hash as attributes; no span per resolver,
which would cost more than the fields themselves.
"""

from __future__ import annotations

from collections.abc import Iterator

from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode
from strawberry.extensions import SchemaExtension

from xietong.audit.recorder import operation_of
from xietong.kernel.canonical import sha256_hex

tracer = trace.get_tracer("xietong.graphql")


class OperationSpan(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        with tracer.start_as_current_span("graphql.operation") as span:
            yield
            execution = self.execution_context
            operation = operation_of(execution.graphql_document, execution.operation_name)
            kind = operation.operation.value if operation else "operation"
            name = execution.operation_name or (
                operation.name.value if operation and operation.name else None
            )
            span.update_name(f"{kind} {name}" if name else kind)
            span.set_attribute("graphql.operation.type", kind)
            if name:
                span.set_attribute("graphql.operation.name", name)
            if execution.query:
                span.set_attribute("graphql.document.sha256", sha256_hex(execution.query))
            result = execution.result
            errors = getattr(result, "errors", None) or []
            codes = sorted({str((error.extensions or {}).get("code")) for error in errors})
            if codes:
                span.set_attribute("graphql.error_codes", codes)
            if getattr(result, "data", None) is None and errors:
                span.set_status(Status(StatusCode.ERROR, codes[0] if codes else None))
